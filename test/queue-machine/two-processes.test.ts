// Contention through the whole app: two processes of one deployment (shared database and Redis),
// customers arriving on both, agents connected to either, closing as they go. No agent is ever
// given more than their capacity, no conversation is assigned twice, none is lost.
import { expect } from 'chai';
import { DB_KINDS } from '../helpers/databases.js';
import { deleteRedisPrefix, startTestApp, type TestApp } from '../helpers/test-app.js';
import { emitAck, sleep, type AnySocket } from '../helpers/sockets.js';
import { ConversationEntity } from '../../shared/db/entities/index.js';
import { customerWrites, FAST_ROUTING_ENV, next, online, routingWorld, waitUntil } from './routing-world.js';

const CUSTOMERS = 36;

for (const db of DB_KINDS) {
  describe(`routing with two processes (${db})`, function () {
    this.timeout(60_000);
    let app: TestApp;
    let second: TestApp;
    const open: AnySocket[] = [];
    before(async () => {
      app = await startTestApp({ db, env: FAST_ROUTING_ENV });
      second = await startTestApp({ sameDeploymentAs: app, env: FAST_ROUTING_ENV });
    });
    after(async () => { open.splice(0).forEach((s) => s.close()); await second.stop(); await app.stop(); });

    it('never over-assigns an agent and assigns every conversation exactly once', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 1 }, { capacity: 2 }, { capacity: 3 }, { capacity: 2 }] });
      const capacity = new Map(w.agents.map((a, i) => [a.id, [1, 2, 3, 2][i]]));
      const held = new Map<string, Set<string>>(w.agents.map((a) => [a.id, new Set()]));
      const assignedTo = new Map<string, string[]>();
      const problems: string[] = [];
      for (const [i, a] of w.agents.entries()) {
        const s = await online(i % 2 ? second.url : app.url, a, open);
        s.on('conversation:assigned', (p: any) => {
          const id = p.conversation.id as string;
          assignedTo.set(id, [...(assignedTo.get(id) ?? []), a.id]);
          const mine = held.get(a.id)!;
          mine.add(id);
          // Counted before our own close is even sent: more than capacity here means over-assignment.
          if (mine.size > capacity.get(a.id)!) problems.push(`${a.name} holds ${mine.size} > ${capacity.get(a.id)}`);
          void sleep(5 + Math.random() * 40).then(() => {
            mine.delete(id);
            return emitAck(s, 'conversation:close', { conversationId: id });
          });
        });
      }
      const customers = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) =>
        sleep(Math.random() * 200).then(() => customerWrites(i % 2 ? second.url : app.url, w.channelId, open, `customer ${i}`))));
      const ids = customers.map((c) => c.conversationId);
      await waitUntil(() => ids.every((id) => assignedTo.has(id)), 20_000, 'every conversation assigned');
      await waitUntil(async () => (await app.ctx.db.manager.countBy(ConversationEntity, { queueId: w.queueId, status: 'closed' })) === CUSTOMERS, 10_000, 'every conversation closed');
      expect(problems).to.deep.equal([]);
      expect([...assignedTo.values()].filter((agents) => agents.length !== 1)).to.deep.equal([]);
      const stats = await app.api('GET', '/api/v1/stats/queues', { token: w.supervisor });
      const q = stats.body.queues.find((x: any) => x.id === w.queueId);
      expect(q).to.include({ waiting: 0, answered: CUSTOMERS });
      for (const a of w.agents) expect(stats.body.agents.find((x: any) => x.id === a.id)).to.include({ load: 0 });
    });

    it('rebuilds the routing state from the database when Redis lost it', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 1 }] });
      const s0 = await online(app.url, w.agents[0], open);
      const got = next(s0, 'conversation:assigned');
      const held = await customerWrites(app.url, w.channelId, open, 'assigned before the loss');
      await got;
      const waiting = await customerWrites(app.url, w.channelId, open, 'waiting before the loss');
      await sleep(100);
      await deleteRedisPrefix(`${app.prefix}:qm`); // the queue machine's keys are gone (jobs and sockets stay)
      const third = await startTestApp({ sameDeploymentAs: app, env: FAST_ROUTING_ENV });
      try {
        const k = `${app.prefix}:qm:{${(await app.ctx.db.manager.findOneByOrFail(ConversationEntity, { id: held.conversationId })).tenantId}}:`;
        const r = app.ctx.redis;
        expect(await r.hget(`${k}conv:${held.conversationId}`, 'state')).to.equal('assigned');
        expect(await r.hget(`${k}agent:${w.agents[0].id}`, 'load')).to.equal('1');
        expect(await r.zrange(`${k}q:${w.queueId}:waiting`, 0, -1)).to.deep.equal([waiting.conversationId]);
      } finally { await third.stop(); }
    });
  });
}
