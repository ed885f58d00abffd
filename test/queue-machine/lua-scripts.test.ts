// The contract of each Lua script of the queue machine, called directly on real Redis: what it
// returns and what it leaves in Redis, as its header says.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { runScript } from '../../queue-machine/scripts.js';
import { QueueKeys } from '../../queue-machine/keys.js';
import { deleteRedisPrefix } from '../helpers/test-app.js';
import { REDIS_URL } from './harness.js';

describe('queue machine Lua scripts', () => {
  let redis: Redis;
  let root: string;
  let k: QueueKeys;
  const P = () => k.prefix;
  const agent = (id: string, f: Record<string, string | number>) => redis.hset(k.agent(id), { status: 'online', load: 0, capacity: 2, ...f });
  const member = async (q: string, ...ids: string[]) => { for (const id of ids) { await redis.sadd(k.queueAgents(q), id); await redis.sadd(k.agentQueues(id), q); } };
  const enqueue = (c: string, q: string, o: { score?: number; prio?: number; kind?: string; prefer?: string; hold?: number; at?: number; avoid?: string } = {}) =>
    runScript<[number, string?]>(redis, 'enqueue', [k.conversation(c), k.waiting(q), k.queueConfig(q), k.sequence()],
      [c, q, o.score ?? (o.at ?? 1000), 't', o.prio ?? 0, o.kind ?? 'chat', 'cust', 'webchat', o.prefer ?? '', o.hold ?? 0, o.at ?? 1000, 0, o.avoid ?? '']);
  const assign = (queues: string[], o: { max?: number; onlyAgent?: string; onlyConv?: string; picking?: boolean; now?: number } = {}) =>
    runScript<(string | number)[]>(redis, 'assign-next', [k.pending()], [P(), o.now ?? 5000, o.max ?? 100, o.onlyAgent ?? '', o.onlyConv ?? '', o.picking ? '1' : '0', ...queues]);

  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    root = `qmlua-${randomBytes(4).toString('hex')}`;
    k = new QueueKeys(root, 't');
  });
  afterEach(async () => { redis.disconnect(); await deleteRedisPrefix(root); });

  it('enqueue: queues once, refuses a full queue, and records what routing needs', async () => {
    expect(await enqueue('c1', 'q', { prio: 2, kind: 'sms', avoid: 'x' })).to.deep.equal([1, '1']);
    expect(await enqueue('c1', 'q')).to.deep.equal([0]);
    expect(await redis.hgetall(k.conversation('c1'))).to.include({ state: 'queued', queueId: 'q', priority: '2', kind: 'sms', waitToken: '1' });
    expect(await redis.smembers(`${k.conversation('c1')}:skip`)).to.deep.equal(['x']);
    await redis.hset(k.queueConfig('q'), 'maxSize', 1);
    expect(await enqueue('c2', 'q')).to.deep.equal([2]);
    expect(await redis.zrange(k.waiting('q'), 0, -1)).to.deep.equal(['c1']);
  });

  it('assign-next: claims capacity atomically and returns eight fields per assignment', async () => {
    await agent('a', { capacity: 1 });
    await member('q', 'a');
    await enqueue('c1', 'q', { at: 1000 });
    await enqueue('c2', 'q', { at: 2000 });
    const out = await assign(['q']);
    expect(out).to.deep.equal(['c1', 'a', 'q', 'assign', 5000, 4000, 0, '3']);
    expect(await redis.hgetall(k.agent('a'))).to.include({ load: '1', 'load:chat': '1', lastAssignedAt: '5000' });
    expect(await redis.hget(k.pending(), 'c1')).to.equal('a|q|5000|assign|3');
    expect(await redis.zrange(k.waiting('q'), 0, -1)).to.deep.equal(['c2']);
    expect(await redis.zrange(k.serviceSamples('q'), 0, -1)).to.deep.equal(['c1|4000|a']);
    expect(await assign(['q'])).to.deep.equal([]); // full
  });

  it('assign-next: offers when the queue wants acceptance, but a pick is assigned', async () => {
    await agent('a', {});
    await member('q', 'a');
    await redis.hset(k.queueConfig('q'), { offerMs: 1500, policy: 'manual' });
    await enqueue('c1', 'q');
    expect(await assign(['q'])).to.deep.equal([]); // manual: nothing without a pick
    expect((await assign(['q'], { onlyAgent: 'a', picking: true, max: 1 }))[3]).to.equal('assign');
    await redis.hset(k.queueConfig('q'), 'policy', 'least-loaded');
    await enqueue('c2', 'q');
    const out = await assign(['q']);
    expect(out.slice(0, 4)).to.deep.equal(['c2', 'a', 'q', 'offer']);
    expect(out[6]).to.equal(1500);
    expect(await redis.hget(k.conversation('c2'), 'state')).to.equal('offered');
  });

  it('release: frees the capacity and records the handling time, or counts an abandonment', async () => {
    await agent('a', {});
    await member('q', 'a');
    await enqueue('c1', 'q');
    await assign(['q']);
    expect(await runScript(redis, 'release', [k.conversation('c1'), k.pending()], [P(), 'c1', 8000])).to.deep.equal(['a', 'q']);
    expect(await redis.hgetall(k.agent('a'))).to.include({ load: '0', 'load:chat': '0' });
    expect(await redis.lrange(k.handleTimes('q'), 0, -1)).to.deep.equal(['8000|3000']);
    expect(await redis.exists(k.conversation('c1'), k.pending())).to.equal(0);
    await enqueue('c2', 'q', { at: 1000 });
    await redis.hset(k.agent('a'), 'status', 'away');
    expect(await runScript(redis, 'release', [k.conversation('c2'), k.pending()], [P(), 'c2', 9000])).to.deep.equal(['', 'q']);
    expect(await redis.zrange(k.serviceSamples('q'), 0, -1)).to.include('c2|8000|x');
    expect(await runScript(redis, 'release', [k.conversation('c2'), k.pending()], [P(), 'c2', 9000])).to.deep.equal(['', '']);
  });

  it('claim-conversation: moves a conversation between agents within capacity, unless forced', async () => {
    await agent('a', {});
    await agent('b', { capacity: 1 });
    await agent('off', { status: 'offline' });
    await member('q', 'a');
    await enqueue('c1', 'q');
    await assign(['q']);
    const claim = (agentId: string, force = '0') => runScript<(string | number)[]>(redis, 'claim-conversation', [k.conversation('c1'), k.pending()], [P(), 'c1', agentId, 'q', 6000, 't', 'chat', force]);
    expect(await claim('off')).to.deep.equal([-2]);
    expect(await claim('b')).to.deep.equal([1, '3', 'a']);
    expect(await redis.hget(k.agent('a'), 'load')).to.equal('0');
    expect(await redis.hget(k.agent('b'), 'load')).to.equal('1');
    expect(await claim('b')).to.deep.equal([0]);
    await redis.hset(k.agent('a'), 'load', 2);
    expect(await claim('a')).to.deep.equal([-1]);
    expect((await claim('a', '1'))[0]).to.equal(1);
  });

  it('accept-offer: turns the standing offer into an assignment for that agent only', async () => {
    await agent('a', { misses: 2 });
    await member('q', 'a');
    await redis.hset(k.queueConfig('q'), 'offerMs', 1000);
    await enqueue('c1', 'q');
    await assign(['q']);
    const accept = (agentId: string) => runScript(redis, 'accept-offer', [k.conversation('c1'), k.pending()], [P(), 'c1', agentId, 7000]);
    expect(await accept('b')).to.deep.equal([]);
    expect(await accept('a')).to.deep.equal(['accepted', 'q', '6000', '3']);
    expect(await redis.hget(k.agent('a'), 'misses')).to.equal('0');
    expect(await accept('a')).to.deep.equal(['assigned', 'q']);
  });

  it('expire-offer: requeues in place, skips the agent, and sets them away after the maximum misses', async () => {
    await agent('a', {});
    await member('q', 'a');
    await redis.hset(k.queueConfig('q'), 'offerMs', 1000);
    await enqueue('c1', 'q', { score: 42 });
    const token = (await assign(['q']))[7];
    const expire = (tok: unknown, count = '1') => runScript(redis, 'expire-offer', [k.conversation('c1'), k.pending()], [P(), 'c1', 'a', String(tok), 1, count]);
    expect(await expire('999')).to.deep.equal([]);
    expect(await expire(token)).to.deep.equal(['q', 1, 1]);
    expect(await redis.hgetall(k.agent('a'))).to.include({ status: 'away', load: '0', misses: '0' });
    expect(await redis.zscore(k.waiting('q'), 'c1')).to.equal('42');
    expect(await redis.smembers(`${k.conversation('c1')}:skip`)).to.deep.equal(['a']);
    expect(await expire(token)).to.deep.equal([]);
  });

  it('requeue-agent: only for the disconnect it ends; conversations go to the front of their priority', async () => {
    await agent('a', { capacity: 5, lostAt: '123' });
    await member('q', 'a');
    await enqueue('vip', 'q', { prio: 1, score: -1e13 + 500 });
    await enqueue('w1', 'q', { score: 100 });
    await enqueue('mine', 'q', { score: 900 });
    await redis.hset(k.conversation('mine'), { state: 'assigned', agentId: 'a' });
    await redis.zrem(k.waiting('q'), 'mine');
    await redis.sadd(k.agentConvs('a'), 'mine');
    await redis.hset(k.agent('a'), { load: 1, 'load:chat': 1 });
    const requeue = (lostAt: string) => runScript(redis, 'requeue-agent', [k.agent('a'), k.agentConvs('a'), k.pending()], [P(), 'a', lostAt, 'offline']);
    expect(await requeue('999')).to.equal(null);
    expect(await requeue('123')).to.deep.equal(['mine', 'q']);
    expect(await redis.zrange(k.waiting('q'), 0, -1)).to.deep.equal(['vip', 'mine', 'w1']);
    expect(await redis.hgetall(k.agent('a'))).to.include({ status: 'offline', load: '0' }).and.not.have.property('load:chat');
    expect(await redis.exists(k.agentConvs('a'))).to.equal(0);
  });

  it('overflow: moves to a fallback queue or leaves; re-checks staffing atomically when asked', async () => {
    await agent('a', {});
    await member('q', 'a');
    await redis.hset(k.queueSkills('q'), 'german', 1);
    await enqueue('c1', 'q', { at: 1000 });
    const overflow = (q: string, target: string, noAgents: string, token = '') =>
      runScript(redis, 'overflow', [k.conversation('c1'), k.pending()], [P(), 'c1', q, token, 9000, target, noAgents, 3]);
    expect(await overflow('other', 'fb', '0')).to.deep.equal([]);
    expect(await overflow('q', 'fb', '0', 'wrong')).to.deep.equal([]);
    await redis.hset(k.agentSkills('a'), 'german', 2);
    expect(await overflow('q', 'fb', '1')).to.deep.equal([]); // an eligible agent is online
    await redis.hset(k.agent('a'), 'status', 'away');
    expect(await overflow('q', 'fb', '1')).to.deep.equal(['moved', 'fb', '2']);
    expect(await redis.zscore(k.waiting('fb'), 'c1')).to.equal('1000');
    expect(await redis.hgetall(k.conversation('c1'))).to.include({ queueId: 'fb', queuedAt: '9000', hops: '1' });
    expect(await runScript(redis, 'overflow', [k.conversation('c1'), k.pending()], [P(), 'c1', 'fb', '', 9500, '', '0', 3])).to.deep.equal(['left']);
    expect(await redis.exists(k.conversation('c1'))).to.equal(0);
    expect(await redis.zrange(k.serviceSamples('q'), 0, -1)).to.deep.equal(['c1|8000|x']);
  });

  it('tell-positions: tells each meaningful change once, texts only after the delay and at most once per interval', async () => {
    const tell = (now: number, perPos: number | '' = 30, onlyConv = '') =>
      runScript<(string | number)[]>(redis, 'tell-positions', [k.waiting('q')], [P(), perPos, now, 5000, 60_000, 0.25, 0.1, 100, onlyConv, 0]);
    await enqueue('w', 'q', { score: 1, at: 0 });
    await enqueue('s', 'q', { score: 2, at: 0 });
    await redis.hset(k.conversation('s'), 'platform', 'telegram');
    expect(await tell(1000)).to.deep.equal(['w', 'cust', 'webchat', 1, '30', 1, 0, 's', 'cust', 'telegram', 2, '60', 1, 0]); // no text before 5 s
    expect(await tell(2000)).to.deep.equal([]);
    expect(await tell(6000, '', 's')).to.deep.equal(['s', 'cust', 'telegram', 2, '', 0, 1]); // the first text, once due
    // Each estimate +33 %: both told; s's next text only 60 s after its first.
    expect(await tell(7000, 40)).to.deep.equal(['w', 'cust', 'webchat', 1, '40', 1, 0, 's', 'cust', 'telegram', 2, '80', 1, 0]);
    await redis.zrem(k.waiting('q'), 'w');
    expect(await tell(70_000, 40)).to.deep.equal(['s', 'cust', 'telegram', 1, '40', 1, 1]);
    await redis.hset(k.conversation('s'), 'state', 'assigned');
    expect(await tell(900_000)).to.deep.equal([]);
    // Far back in a long queue, a move of a few places is not worth telling.
    await redis.hset(k.conversation('w'), { toldPos: 40, toldEta: '' });
    await redis.zadd(k.waiting('q'), 0, 'w');
    for (let i = 0; i < 36; i++) await redis.zadd(k.waiting('q'), -100 + i, `x${i}`);
    expect(await tell(1_000_000, '', 'w')).to.deep.equal([]); // 37th of 40 before
    await redis.zrem(k.waiting('q'), 'x0');
    expect((await tell(1_000_000, '', 'w')).slice(3, 4)).to.deep.equal([36]); // 4 places of 40: 10 %
  });

  it('confirm: forgets a pending assignment only if it is still the same one', async () => {
    await redis.hset(k.pending(), 'c1', 'a|q|5000|assign|7');
    expect(await runScript(redis, 'confirm', [k.pending()], ['c1', '6'])).to.equal(0);
    expect(await runScript(redis, 'confirm', [k.pending()], ['c1', '7'])).to.equal(1);
    expect(await redis.hexists(k.pending(), 'c1')).to.equal(0);
  });
});
