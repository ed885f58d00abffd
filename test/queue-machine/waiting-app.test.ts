// What waiting customers and supervisors see, through the real app on SQLite and MariaDB:
// positions and estimated waits (widget event, text on other platforms), overflow to a fallback
// queue or to the autoresponder, VIP priority, and the supervisors' live figures.
import { expect } from 'chai';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { io } from 'socket.io-client';
import { collect, customerSocket, emitAck, once, sleep, type AnySocket } from '../helpers/sockets.js';
import { customerWrites, FAST_ROUTING_ENV, historyKinds, next, online, routingWorld, waitUntil } from './routing-world.js';

for (const db of DB_KINDS) {
  describe(`waiting customers and supervisors (${db})`, function () {
    let app: TestApp;
    const open: AnySocket[] = [];
    before(async () => { app = await startTestApp({ db, env: FAST_ROUTING_ENV }); });
    after(async () => { await app.stop(); });
    afterEach(() => { open.splice(0).forEach((s) => s.close()); });

    it('tells widget customers their position and an estimate measured from recent handling, and updates them', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 1 }] });
      const s0 = await online(app.url, w.agents[0], open);
      // Measure some handling first: two conversations handled for about 150 ms each.
      for (let i = 0; i < 2; i++) {
        const got = next(s0, 'conversation:assigned');
        const c = await customerWrites(app.url, w.channelId, open, `warm-up ${i}`);
        await got;
        await sleep(150);
        expect((await emitAck(s0, 'conversation:close', { conversationId: c.conversationId })).ok).to.equal(true);
      }
      const busy = next(s0, 'conversation:assigned');
      const holding = await customerWrites(app.url, w.channelId, open, 'keeps the agent busy');
      await busy;
      const one = await waitingCustomer(app.url, w.channelId, open);
      const firstTold = await one.position;
      const two = await waitingCustomer(app.url, w.channelId, open);
      const secondTold = await two.position;
      expect(firstTold.position).to.equal(1);
      expect(secondTold.position).to.equal(2);
      // One agent of capacity 1 frees a place about every 0.15 s: position 1 waits about 0.15 s, 2 about 0.3 s.
      expect(firstTold.estimatedWaitSeconds).to.be.within(0.1, 0.3);
      expect(secondTold.estimatedWaitSeconds).to.be.within(0.2, 0.6);
      // The first waiting customer is served: the second is told they moved up.
      const moved = once(two.socket, 'queue:position', (p: any) => p.position === 1);
      await emitAck(s0, 'conversation:close', { conversationId: holding.conversationId });
      const m = await moved;
      expect(m.estimatedWaitSeconds).to.be.within(0.1, 0.3);
    });

    it('texts customers of other platforms their position, through the normal outbound path', async () => {
      const crm = await callbackServer();
      try {
        const admin = await app.login('admin@demo.local');
        const q = await app.api('POST', '/api/v1/queues', { token: admin, body: { name: `api ${randomUUID()}` } });
        const secret = 'a-signing-secret-of-ours';
        const ch = await app.api('POST', '/api/v1/channels', { token: admin, body: { platform: 'api', name: 'CRM', queueId: q.body.id, config: { secret, callbackUrl: crm.url } } });
        expect(ch.status, JSON.stringify(ch.body)).to.equal(201);
        for (const user of ['crm-1', 'crm-2']) {
          const body = JSON.stringify({ externalUserId: user, externalMessageId: `m-${user}`, text: 'hello?' });
          const r = await app.api('POST', `/webhooks/${ch.body.id}`, { raw: body, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } });
          expect(r.status).to.equal(200);
        }
        await waitUntil(() => crm.received.length >= 2);
        const texts = crm.received.map((b) => [b.externalUserId, b.message.text]);
        expect(texts).to.deep.include.members([
          ['crm-1', 'You are next in the queue. An agent will be with you as soon as possible.'],
          ['crm-2', 'You are number 2 in the queue. An agent will be with you as soon as possible.'],
        ]);
      } finally { crm.close(); }
    });

    it('hands a customer past the maximum wait to the autoresponder: a message to them, and the conversation marked', async () => {
      const w = await routingWorld(app, { queue: { maxWaitSeconds: 0.3, overflowAction: 'autoresponder' }, agents: [] });
      const c = await customerWrites(app.url, w.channelId, open, 'anyone there?');
      const bot = await once(c.socket, 'message:new', (p: any) => p.message.sender === 'bot', 3000);
      expect(bot.message.text).to.match(/busy.*Leave us your message/);
      await waitUntil(async () => (await app.api('GET', `/api/v1/conversations/${c.conversationId}`, { token: w.supervisor })).body.status === 'bot');
      const conv = await app.api('GET', `/api/v1/conversations/${c.conversationId}`, { token: w.supervisor });
      expect(conv.body).to.include({ status: 'bot', unattended: 'leave-message' });
      expect(await historyKinds(app, w.supervisor, c.conversationId)).to.deep.equal(['overflowed']);
      // Their next message is kept for the callback, not routed.
      await emitAck(c.socket, 'message:send', { text: 'call me on 555-0100', clientMessageId: randomUUID() });
      const msgs = await app.api('GET', `/api/v1/conversations/${c.conversationId}/messages`, { token: w.supervisor });
      expect(msgs.body.items.map((m: any) => m.sender)).to.deep.equal(['customer', 'bot', 'customer']);
    });

    it('moves a customer to the fallback queue when nobody eligible is online', async () => {
      const fb = await routingWorld(app, { agents: [{ capacity: 1 }] });
      const w = await routingWorld(app, { queue: { overflowWhenNoAgents: true, overflowAction: 'fallback', fallbackQueueId: fb.queueId }, agents: [{}] });
      const helper = await online(app.url, fb.agents[0], open);
      const got = next(helper, 'conversation:assigned');
      const c = await customerWrites(app.url, w.channelId, open);
      const a = await got;
      expect(a.conversation).to.include({ id: c.conversationId, queueId: fb.queueId });
      await waitUntil(async () => (await historyKinds(app, w.supervisor, c.conversationId)).length === 2);
      const events = (await app.api('GET', `/api/v1/conversations/${c.conversationId}/routing`, { token: w.supervisor })).body.items;
      expect(events[0]).to.include({ kind: 'overflowed', fromQueueId: w.queueId, queueId: fb.queueId, note: 'no-agents' });
    });

    it('leaves nothing waiting for a conversation closed while its first message was being routed', async () => {
      // Nobody is online, so whatever reaches the queue stays there: a closed conversation left
      // in it would count as waiting, push back everyone's position and one day reach an agent.
      const w = await routingWorld(app, { agents: [] });
      const closedAt = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const c = await customerWrites(app.url, w.channelId, open, `never mind ${i}`);
        await sleep(i % 6); // the close lands before, during or after the routing job
        const r = await app.api('POST', `/api/v1/conversations/${c.conversationId}/close`, { token: w.supervisor, body: {} });
        expect(r.status).to.equal(200);
        return c.conversationId;
      }));
      expect(closedAt).to.have.length(30);
      await waitUntil(() => jobsSettled(app, 'switch-inbound'), 10_000, 'every routing job finished');
      const waiting = async () => (await app.api('GET', '/api/v1/stats/queues', { token: w.supervisor })).body.queues.find((q: any) => q.id === w.queueId).waiting;
      await waitUntil(async () => (await waiting()) === 0, 5000, 'nothing waiting');
      await sleep(200);
      expect(await waiting()).to.equal(0);
    });

    it('serves a VIP customer first and shows supervisors the figures, live', async () => {
      const w = await routingWorld(app, { queue: { serviceLevel: { percent: 90, seconds: 0.5 } }, agents: [{ capacity: 1 }] });
      const sup = await supervisorSocket(app, w.supervisor, open);
      const figures = collect<any>(sup, 'stats');
      const s0 = await online(app.url, w.agents[0], open);
      const got = collect(s0, 'conversation:assigned');
      const busy = await customerWrites(app.url, w.channelId, open, 'first: keeps the agent busy');
      await waitUntil(() => got.length === 1);
      const normal = await customerWrites(app.url, w.channelId, open, 'normal customer');
      // A customer the CRM then marks VIP: their next conversation waits ahead of everyone else.
      const vip = await customerWrites(app.url, w.channelId, open, 'not yet VIP');
      const customerId = (await app.api('GET', `/api/v1/conversations/${vip.conversationId}`, { token: w.supervisor })).body.customer.id;
      expect((await app.api('PATCH', `/api/v1/customers/${customerId}`, { token: w.supervisor, body: { priority: 10 } })).status).to.equal(200);
      await app.api('POST', `/api/v1/conversations/${vip.conversationId}/close`, { token: w.supervisor, body: {} });
      // A position computed for their closed conversation may still be on its way: take this one's.
      const positions = collect<any>(vip.socket, 'queue:position');
      const again = await emitAck(vip.socket, 'message:send', { text: 'VIP now', clientMessageId: randomUUID() });
      await waitUntil(() => positions.some((p) => p.conversationId === again.message.conversationId));
      expect(positions.find((p) => p.conversationId === again.message.conversationId).position).to.equal(1);

      // The latest figures show both waiting (they may have come before the VIP's position did).
      const ours = (s: any) => s.queues.find((q: any) => q.id === w.queueId);
      await waitUntil(() => figures.length > 0 && ours(figures[figures.length - 1])?.waiting === 2);
      const live = figures[figures.length - 1];
      const qs = live.queues.find((q: any) => q.id === w.queueId);
      expect(qs).to.include({ waiting: 2, policy: 'least-loaded', slots: 1, answered: 1 });
      expect(qs.serviceLevelTarget).to.deep.equal({ percent: 90, seconds: 0.5 });
      expect(live.agents.find((a: any) => a.id === w.agents[0].id)).to.include({ status: 'online', load: 1, capacity: 1, connected: true });

      await app.api('POST', `/api/v1/conversations/${busy.conversationId}/close`, { token: w.supervisor, body: {} });
      await waitUntil(() => got.length === 2);
      expect(got[1].conversation).to.include({ id: again.message.conversationId, priority: 10 });
      await sleep(600); // the normal customer now waits past the 0.5 s threshold
      await app.api('POST', `/api/v1/conversations/${again.message.conversationId}/close`, { token: w.supervisor, body: {} });
      await waitUntil(() => got.length === 3);
      expect(got[2].conversation.id).to.equal(normal.conversationId);
      const stats = await app.api('GET', '/api/v1/stats/queues', { token: w.supervisor });
      const q = stats.body.queues.find((x: any) => x.id === w.queueId);
      // Answered 3: the first at once, the normal customer after 0.5 s; the closed waiting conversation
      // left early and does not count. (The VIP's own wait depends on this machine's speed.)
      expect(q).to.include({ answered: 3, abandoned: 1, waiting: 0 });
      expect(q.serviceLevel).to.be.oneOf([33.3, 66.7]);
      expect(q.averageAnswerSeconds).to.be.a('number');
    });
  });
}

describe('a first position text after a delay (sqlite)', function () {
  let app: TestApp;
  const open: AnySocket[] = [];
  before(async () => { app = await startTestApp({ db: 'sqlite', env: { ...FAST_ROUTING_ENV, ROUTING_POSITION_TEXT_DELAY_SECONDS: '0.6' } }); });
  after(async () => { await app.stop(); });
  afterEach(() => { open.splice(0).forEach((s) => s.close()); });

  it('texts a customer who still waits once the delay is over, and schedules nothing for one answered at once', async () => {
    const crm = await callbackServer();
    try {
      const w = await routingWorld(app, { agents: [{ capacity: 1 }] });
      const s0 = await online(app.url, w.agents[0], open);
      const secret = 'a-signing-secret-of-ours';
      const ch = await app.api('POST', '/api/v1/channels', { token: w.admin, body: { platform: 'api', name: 'CRM', queueId: w.queueId, config: { secret, callbackUrl: crm.url } } });
      expect(ch.status, JSON.stringify(ch.body)).to.equal(201);
      const write = async (user: string) => {
        const body = JSON.stringify({ externalUserId: user, externalMessageId: `m-${user}`, text: 'hello?' });
        const r = await app.api('POST', `/webhooks/${ch.body.id}`, { raw: body, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } });
        expect(r.status).to.equal(200);
      };
      const answered = next(s0, 'conversation:assigned');
      await write('answered-at-once');
      const { conversation } = await answered;
      await write('waits');
      await sleep(300);
      expect(crm.received, 'nothing before the delay').to.have.length(0);
      await waitUntil(() => crm.received.length >= 1);
      await sleep(300);
      expect(crm.received.map((b) => [b.externalUserId, b.message.text])).to.deep.equal([['waits', 'You are next in the queue. An agent will be with you as soon as possible.']]);
      // No timer was left behind for the customer answered at once (each would cost a job for nothing).
      expect(await app.ctx.redis.exists(app.ctx.key('bull', 'switch-positions', `posd-${conversation.id}`))).to.equal(0);
    } finally { crm.close(); }
  });
});

/** True once a job queue has nothing waiting, delayed or running. */
async function jobsSettled(app: TestApp, queue: string): Promise<boolean> {
  const k = (state: string) => `${app.prefix}:${queue}:${state}`;
  const [wait, active, prioritized, delayed] = await Promise.all([
    app.ctx.redis.llen(k('wait')), app.ctx.redis.llen(k('active')), app.ctx.redis.zcard(k('prioritized')), app.ctx.redis.zcard(k('delayed')),
  ]);
  return wait + active + prioritized + delayed === 0;
}

async function waitingCustomer(url: string, channelId: string, open: AnySocket[]) {
  const c = await customerSocketOnly(url, channelId, open);
  const position = once<any>(c.socket, 'queue:position');
  await emitAck(c.socket, 'message:send', { text: 'waits', clientMessageId: randomUUID() });
  return { socket: c.socket, position };
}

async function customerSocketOnly(url: string, channelId: string, open: AnySocket[]) {
  const c = await customerSocket(url, channelId);
  open.push(c.socket);
  return c;
}

async function supervisorSocket(app: TestApp, token: string, open: AnySocket[]): Promise<AnySocket> {
  const s = io(`${app.url}/supervisor`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
  open.push(s);
  await new Promise<void>((resolve, reject) => { s.once('connect', () => resolve()); s.once('connect_error', reject); });
  return s;
}

/** A CRM's callback endpoint for the api channel: records the bodies we send. */
async function callbackServer(): Promise<{ url: string; received: any[]; close: () => void }> {
  const received: any[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      received.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ externalMessageId: `crm-${body.message.id}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, received, close: () => server.close() };
}
