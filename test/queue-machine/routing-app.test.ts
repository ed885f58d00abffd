// The routing engine through the real app (sockets, REST, jobs, database) on SQLite and MariaDB:
// offers and their timeouts, the disconnect grace period, transfers, manual picks, sticky routing,
// and capacity changes while customers wait.
import { expect } from 'chai';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { ConversationEntity } from '../../shared/db/entities/index.js';
import { QueueMachine } from '../../queue-machine/queue-machine.js';
import { collect, emitAck, sleep, type AnySocket } from '../helpers/sockets.js';
import { connected, customerWrites, FAST_ROUTING_ENV, goOnline, historyKinds, next, online, routingWorld, waitUntil } from './routing-world.js';

for (const db of DB_KINDS) {
  describe(`routing through the app (${db})`, function () {
    let app: TestApp;
    const open: AnySocket[] = [];
    before(async () => { app = await startTestApp({ db, env: FAST_ROUTING_ENV }); });
    after(async () => { await app.stop(); });
    afterEach(() => { open.splice(0).forEach((s) => s.close()); });

    it('offers a conversation, gives it to the next agent when not accepted in time, and records it all', async () => {
      const w = await routingWorld(app, { queue: { offerTimeoutSeconds: 0.3, maxMissedOffers: 5 }, agents: [{}, {}] });
      const [s0, s1] = [await online(app.url, w.agents[0], open), await online(app.url, w.agents[1], open)];
      const offered0 = next(s0, 'conversation:offered');
      const { conversationId } = await customerWrites(app.url, w.channelId, open);
      const offer = await offered0;
      expect(offer.conversation).to.include({ id: conversationId, status: 'queued' });
      expect(Date.parse(offer.expiresAt)).to.be.greaterThan(Date.now());
      const expired = next(s0, 'conversation:offer-expired', conversationId);
      const offered1 = next(s1, 'conversation:offered', conversationId);
      expect((await expired).reason).to.equal('timeout');
      await offered1;
      expect((await emitAck(s0, 'conversation:accept', { conversationId })).ok).to.equal(false);
      const assigned = next(s1, 'conversation:assigned', conversationId);
      const ack = await emitAck(s1, 'conversation:accept', { conversationId });
      expect(ack.ok, JSON.stringify(ack)).to.equal(true);
      expect(ack.conversation).to.include({ status: 'assigned', agentId: w.agents[1].id });
      await assigned;
      await waitUntil(async () => (await historyKinds(app, w.supervisor, conversationId)).length >= 4);
      expect(await historyKinds(app, w.supervisor, conversationId)).to.deep.equal(['offered', 'offer-expired', 'offered', 'assigned']);
    });

    it('sets an agent away after missed offers, and lets them decline one', async () => {
      const w = await routingWorld(app, { queue: { offerTimeoutSeconds: 0.2, maxMissedOffers: 1 }, agents: [{}, {}] });
      const s0 = await online(app.url, w.agents[0], open);
      const away = next(s0, 'agent:status');
      const { conversationId } = await customerWrites(app.url, w.channelId, open);
      expect(await away).to.deep.equal({ status: 'away', reason: 'missed-offers' });
      const s1 = await connected(app.url, w.agents[1], open);
      const offered = next(s1, 'conversation:offered', conversationId);
      await goOnline(s1);
      await offered;
      expect((await emitAck(s1, 'conversation:decline', { conversationId })).ok).to.equal(true);
      const stats = await app.api('GET', '/api/v1/stats/queues', { token: w.supervisor });
      expect(stats.body.agents.find((a: any) => a.id === w.agents[0].id)).to.include({ status: 'away' });
    });

    it('gives a disconnected agent\'s conversations to others after the grace period, but not if they come back in time', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 2 }, { capacity: 2 }] });
      const s0 = await online(app.url, w.agents[0], open);
      const a = next(s0, 'conversation:assigned');
      const c1 = await customerWrites(app.url, w.channelId, open);
      await a;
      // Comes back within the grace period: keeps it.
      s0.close();
      await sleep(100);
      const back = await online(app.url, w.agents[0], open);
      await sleep(500);
      const conv = await app.api('GET', `/api/v1/conversations/${c1.conversationId}`, { token: w.supervisor });
      expect(conv.body).to.include({ status: 'assigned', agentId: w.agents[0].id });
      // Gone for good: after the grace period it goes to the other agent, with the history kept.
      const s1 = await online(app.url, w.agents[1], open);
      const moved = next(s1, 'conversation:assigned', c1.conversationId, 3000);
      back.close();
      expect((await moved).conversation.agentId).to.equal(w.agents[1].id);
      await waitUntil(async () => (await historyKinds(app, w.supervisor, c1.conversationId)).includes('requeued'));
      const stats = await app.api('GET', '/api/v1/stats/queues', { token: w.supervisor });
      expect(stats.body.agents.find((x: any) => x.id === w.agents[0].id)).to.include({ status: 'offline', load: 0 });
    });

    it('transfers agent to agent with a note (within capacity) and agent to queue (someone else first)', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 2 }, { capacity: 1 }, { capacity: 1 }] });
      const s0 = await online(app.url, w.agents[0], open);
      const first = next(s0, 'conversation:assigned');
      const c = await customerWrites(app.url, w.channelId, open);
      await first;
      const [s1, s2] = [await online(app.url, w.agents[1], open), await online(app.url, w.agents[2], open)];

      const toAgent = next(s1, 'conversation:assigned', c.conversationId);
      const t1 = await emitAck(s0, 'conversation:transfer', { conversationId: c.conversationId, agentId: w.agents[1].id, note: 'Wants a refund, order 42' });
      expect(t1.ok, JSON.stringify(t1)).to.equal(true);
      expect((await toAgent).transfer).to.include({ fromAgentId: w.agents[0].id, note: 'Wants a refund, order 42' });

      // Back to the queue: agent 1 is free again but is not first in line; agent 2 (idle longest) is.
      const toQueue = next(s2, 'conversation:assigned', c.conversationId);
      const t2 = await emitAck(s1, 'conversation:transfer', { conversationId: c.conversationId, queueId: w.queueId, note: 'Billing, please' });
      expect(t2.ok, JSON.stringify(t2)).to.equal(true);
      expect((await toQueue).transfer).to.include({ note: 'Billing, please', fromAgentId: w.agents[1].id });
      await waitUntil(async () => (await historyKinds(app, w.supervisor, c.conversationId)).length === 4);
      const events = (await app.api('GET', `/api/v1/conversations/${c.conversationId}/routing`, { token: w.supervisor })).body.items;
      expect(events.map((e: any) => e.kind)).to.deep.equal(['assigned', 'transferred', 'transferred', 'assigned']);
      expect(events[1]).to.include({ fromAgentId: w.agents[0].id, agentId: w.agents[1].id, note: 'Wants a refund, order 42' });
      expect(events[2]).to.include({ fromAgentId: w.agents[1].id, queueId: w.queueId, agentId: null, note: 'Billing, please' });
      expect(events[3]).to.include({ agentId: w.agents[2].id });

      // Agent 2 is full now: a direct transfer to them is refused with a reason.
      const c2 = await customerWrites(app.url, w.channelId, open);
      await waitUntil(async () => (await app.api('GET', `/api/v1/conversations/${c2.conversationId}`, { token: w.supervisor })).body.status === 'assigned');
      const r = await app.api('POST', `/api/v1/conversations/${c2.conversationId}/transfer`, { token: w.supervisor, body: { agentId: w.agents[2].id } });
      expect(r.status).to.equal(409);
      expect(r.body.error.message).to.match(/capacity/);
    });

    it('a transfer to a queue racing a close never reopens the conversation nor leaves it waiting', async () => {
      const target = await routingWorld(app, { agents: [] }); // nobody there: whatever reaches it stays
      const w = await routingWorld(app, { agents: [{ capacity: 20 }] });
      const s0 = await online(app.url, w.agents[0], open);
      const got = collect(s0, 'conversation:assigned');
      const convs = await Promise.all(Array.from({ length: 20 }, (_, i) => customerWrites(app.url, w.channelId, open, `customer ${i}`)));
      await waitUntil(() => got.length === 20);
      const answers = await Promise.all(convs.map(async (c, i) => {
        // Mostly sent in the same tick, so that the close lands between the transfer's read and
        // its write (seen on MariaDB without the guard); some a little before or after.
        const close = sleep(i % 4 ? 0 : 2).then(() => app.api('POST', `/api/v1/conversations/${c.conversationId}/close`, { token: w.supervisor, body: {} }));
        const transfer = sleep(i % 4 === 1 ? 2 : 0).then(() => app.api('POST', `/api/v1/conversations/${c.conversationId}/transfer`, { token: w.supervisor, body: { queueId: target.queueId } }));
        return [(await transfer).status, (await close).status];
      }));
      for (const [transfer, close] of answers) {
        expect(close).to.equal(200);
        expect(transfer).to.be.oneOf([200, 409]);
      }
      for (const c of convs) {
        expect((await app.api('GET', `/api/v1/conversations/${c.conversationId}`, { token: w.supervisor })).body.status).to.equal('closed');
      }
      const stats = async () => (await app.api('GET', '/api/v1/stats/queues', { token: w.supervisor })).body;
      await waitUntil(async () => (await stats()).queues.find((q: any) => q.id === target.queueId).waiting === 0, 5000, 'nothing waiting');
      expect((await stats()).agents.find((a: any) => a.id === w.agents[0].id)).to.include({ load: 0 });
    });

    it('manual pick: nothing is assigned until an agent takes it, by socket or REST', async () => {
      const w = await routingWorld(app, { queue: { policy: 'manual' }, agents: [{ capacity: 2 }] });
      const s0 = await online(app.url, w.agents[0], open);
      const got = collect(s0, 'conversation:assigned');
      const c1 = await customerWrites(app.url, w.channelId, open, 'first');
      const c2 = await customerWrites(app.url, w.channelId, open, 'second');
      await sleep(200);
      expect(got).to.have.length(0);
      const picked = await emitAck(s0, 'conversation:pick', { conversationId: c2.conversationId });
      expect(picked.ok, JSON.stringify(picked)).to.equal(true);
      expect(picked.conversation).to.include({ id: c2.conversationId, status: 'assigned', agentId: w.agents[0].id });
      const r = await app.api('POST', `/api/v1/queues/${w.queueId}/pick`, { token: w.agents[0].token, body: {} });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.id).to.equal(c1.conversationId);
      const none = await app.api('POST', `/api/v1/queues/${w.queueId}/pick`, { token: w.agents[0].token, body: {} });
      expect(none.status).to.equal(409);
      expect(await historyKinds(app, w.supervisor, c2.conversationId)).to.deep.equal(['picked']);
    });

    it('sticky: a returning customer goes back to the agent who served them last', async () => {
      const w = await routingWorld(app, { queue: { stickySeconds: 600 }, agents: [{ capacity: 3 }, { capacity: 3 }] });
      const sockets = [await online(app.url, w.agents[0], open), await online(app.url, w.agents[1], open)];
      const firstVisit = await Promise.all([
        Promise.race(sockets.map((s) => next(s, 'conversation:assigned'))),
        customerWrites(app.url, w.channelId, open, 'first visit'),
      ]);
      const served = firstVisit[0].conversation.agentId as string;
      const idx = w.agents.findIndex((a) => a.id === served);
      // Give the agent who served them more load, so that least-loaded alone would choose the other.
      const busy = next(sockets[idx], 'conversation:assigned');
      await emitAck(sockets[1 - idx], 'agent:status', { status: 'away' });
      await customerWrites(app.url, w.channelId, open, 'someone else');
      await busy;
      await emitAck(sockets[1 - idx], 'agent:status', { status: 'online' });
      expect((await emitAck(sockets[idx], 'conversation:close', { conversationId: firstVisit[1].conversationId })).ok).to.equal(true);
      const again = next(sockets[idx], 'conversation:assigned', undefined, 3000);
      const second = await customerWrites(app.url, w.channelId, open, 'back again', firstVisit[1].visitorToken);
      expect(second.conversationId).to.not.equal(firstVisit[1].conversationId);
      expect((await again).conversation.id).to.equal(second.conversationId);
    });

    it('assigns waiting customers the moment a supervisor raises an agent\'s capacity or sets them online', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 1 }] });
      const s0 = await online(app.url, w.agents[0], open);
      const got = collect(s0, 'conversation:assigned');
      for (let i = 0; i < 3; i++) await customerWrites(app.url, w.channelId, open, `c${i}`);
      await waitUntil(() => got.length === 1);
      const r = await app.api('PATCH', `/api/v1/agents/${w.agents[0].id}`, { token: w.supervisor, body: { capacity: 3, skills: [{ name: 'billing', level: 4 }] } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.include({ capacity: 3 });
      expect(r.body.skillLevels).to.deep.equal({ billing: 4 });
      await waitUntil(() => got.length === 3);
      const off = await app.api('PATCH', `/api/v1/agents/${w.agents[0].id}`, { token: w.supervisor, body: { status: 'away' } });
      expect(off.status).to.equal(200);
      const agentDenied = await app.api('PATCH', `/api/v1/agents/${w.agents[0].id}`, { token: w.agents[0].token, body: { capacity: 9 } });
      expect(agentDenied.status).to.equal(403);
    });

    it('gives the capacity back when the conversation was closed while its assignment was being recorded', async () => {
      const w = await routingWorld(app, { agents: [{ capacity: 1 }] });
      const agent = await connected(app.url, w.agents[0], open);
      const first = await customerWrites(app.url, w.channelId, open, 'first');
      // Closed in the database by someone else whose release has not reached Redis yet: the engine
      // still sees it waiting and assigns it; the record finds it closed. (This suite's periodic
      // recovery runs every 30 s, so only the process recording the assignment can free it in time.)
      await app.ctx.db.manager.update(ConversationEntity, { id: first.conversationId }, { status: 'closed', closedAt: new Date() });
      const seen: string[] = [];
      agent.on('conversation:assigned', (p: any) => seen.push(p.conversation.id));
      await goOnline(agent);
      const conv = await app.ctx.db.manager.findOneByOrFail(ConversationEntity, { id: first.conversationId });
      const reader = new QueueMachine(app.ctx.redis, app.ctx.config.redisPrefix, { assign: async () => {}, routed: async () => {}, schedule: async () => {}, cancel: async () => {}, changed: () => {} });
      await waitUntil(async () => (await reader.holder(conv.tenantId, conv.id)).agentId === null, 5000, 'the capacity given back');
      const second = await customerWrites(app.url, w.channelId, open, 'second');
      await waitUntil(async () => seen.includes(second.conversationId), 5000, 'the next customer assigned to the freed agent');
      expect(seen).to.deep.equal([second.conversationId]);
      expect((await app.ctx.db.manager.findOneByOrFail(ConversationEntity, { id: first.conversationId })).status).to.equal('closed');
    });
  });
}
