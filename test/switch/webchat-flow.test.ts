// End to end over real sockets: a web chat customer reaches an agent and back, on SQLite and MariaDB.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { agentSocket, customerSocket, emitAck, once, collect, sleep, type AnySocket } from '../helpers/sockets.js';

for (const db of DB_KINDS) {
  describe(`web chat end to end (${db})`, function () {
    let app: TestApp;
    const open: AnySocket[] = [];
    const track = <T extends AnySocket>(s: T) => { open.push(s); return s; };

    beforeEach(async () => { app = await startTestApp({ db }); });
    afterEach(async () => {
      open.splice(0).forEach((s) => s.close());
      await app.stop();
    });

    async function onlineAgent(email: string) {
      const token = await app.login(email);
      const socket = track(await agentSocket(app.url, token));
      const ack = await emitAck(socket, 'agent:status', { status: 'online' });
      expect(ack).to.deep.equal({ ok: true, status: 'online' });
      return { token, socket };
    }

    it('delivers a customer message to an online agent and the reply back to the customer', async () => {
      const agent = await onlineAgent('agent1@demo.local');
      const { socket: customer, session } = await customerSocket(app.url, app.channelId);
      track(customer);
      expect(session.visitorToken).to.be.a('string').with.length.greaterThan(20);
      expect(session.conversationId).to.equal(null);

      const assigned = once(agent.socket, 'conversation:assigned');
      const joined = once(customer, 'agent:joined');
      const sent = await emitAck(customer, 'message:send', { text: 'Hello, my card is blocked', clientMessageId: randomUUID() });
      expect(sent.ok).to.equal(true);
      expect(sent.message).to.include({ direction: 'in', sender: 'customer', type: 'text', text: 'Hello, my card is blocked', status: 'received' });

      const a = await assigned;
      expect(a.conversation).to.include({ status: 'assigned', platform: 'webchat', channelId: app.channelId });
      expect(a.messages.map((m: any) => m.text)).to.deep.equal(['Hello, my card is blocked']);
      expect((await joined).name).to.equal('Alice Agent');

      const reply = once(customer, 'message:new', (p) => p.message.direction === 'out');
      const ack = await emitAck(agent.socket, 'message:send', { conversationId: a.conversation.id, text: 'I can help with that.', clientMessageId: randomUUID() });
      expect(ack.ok).to.equal(true);
      expect(ack.message).to.include({ direction: 'out', sender: 'agent', status: 'pending', text: 'I can help with that.' });
      expect((await reply).message).to.include({ text: 'I can help with that.', sender: 'agent', id: ack.message.id });

      // Both are in the history, oldest first, and the reply ends as sent.
      await waitFor(async () => {
        const h = await app.api('GET', `/api/v1/conversations/${a.conversation.id}/messages`, { token: agent.token });
        return h.body.items.length === 2 && h.body.items[1].status === 'sent';
      });
      const history = await app.api('GET', `/api/v1/conversations/${a.conversation.id}/messages`, { token: agent.token });
      expect(history.body.items.map((m: any) => [m.sender, m.text])).to.deep.equal([['customer', 'Hello, my card is blocked'], ['agent', 'I can help with that.']]);
    });

    it('refuses a WhatsApp template in a web chat, saying why, and stores nothing', async () => {
      const agent = await onlineAgent('agent1@demo.local');
      const { socket: customer } = await customerSocket(app.url, app.channelId);
      track(customer);
      const assigned = once(agent.socket, 'conversation:assigned');
      await emitAck(customer, 'message:send', { text: 'Hello', clientMessageId: randomUUID() });
      const { conversation } = await assigned;
      const ack = await emitAck(agent.socket, 'message:send', { conversationId: conversation.id, template: { name: 'callback_offer', language: 'en_US' }, clientMessageId: randomUUID() });
      expect(ack.ok).to.equal(false);
      expect(ack.error).to.include({ code: 'validation_failed' });
      expect(ack.error.message).to.match(/WhatsApp's; this conversation is on webchat/);
      const rest = await app.api('POST', `/api/v1/conversations/${conversation.id}/messages`, { token: agent.token, body: { template: { name: 'callback_offer', language: 'en_US' }, clientMessageId: randomUUID() } });
      expect(rest.status).to.equal(400);
      const history = await app.api('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: agent.token });
      expect(history.body.items.map((m: any) => m.sender)).to.deep.equal(['customer']);
    });

    it('resumes the same conversation when the customer reconnects with its visitor token', async () => {
      const agent = await onlineAgent('agent1@demo.local');
      const first = await customerSocket(app.url, app.channelId);
      const assigned = once(agent.socket, 'conversation:assigned');
      await emitAck(first.socket, 'message:send', { text: 'first visit', clientMessageId: randomUUID() });
      const convId = (await assigned).conversation.id;
      first.socket.close();

      const again = await customerSocket(app.url, app.channelId, first.session.visitorToken);
      track(again.socket);
      expect(again.session.conversationId).to.equal(convId);
      expect(again.session.visitorToken).to.equal(first.session.visitorToken);
      const history = await emitAck(again.socket, 'history', {});
      expect(history.messages.map((m: any) => m.text)).to.deep.equal(['first visit']);

      const newMsg = once(agent.socket, 'message:new');
      await emitAck(again.socket, 'message:send', { text: 'back again', clientMessageId: randomUUID() });
      const got = await newMsg;
      expect(got.conversationId).to.equal(convId);
      expect(got.message.text).to.equal('back again');
      const reply = once(again.socket, 'message:new', (p) => p.message.direction === 'out');
      await emitAck(agent.socket, 'message:send', { conversationId: convId, text: 'welcome back', clientMessageId: randomUUID() });
      expect((await reply).message.text).to.equal('welcome back');
    });

    it('gives a forged or foreign visitor token a new identity, never another visitor\'s conversation', async () => {
      const a = await customerSocket(app.url, app.channelId);
      track(a.socket);
      const forged = a.session.visitorToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      const b = await customerSocket(app.url, app.channelId, forged);
      track(b.socket);
      expect(b.session.visitorToken).to.not.equal(a.session.visitorToken);
    });

    it('stores a message resent with the same clientMessageId once', async () => {
      const { socket } = await customerSocket(app.url, app.channelId);
      track(socket);
      const clientMessageId = randomUUID();
      const one = await emitAck(socket, 'message:send', { text: 'only once', clientMessageId });
      const two = await emitAck(socket, 'message:send', { text: 'only once', clientMessageId });
      expect(two.message.id).to.equal(one.message.id);
      const admin = await app.login('admin@demo.local');
      const h = await app.api('GET', `/api/v1/conversations/${one.message.conversationId}/messages`, { token: admin });
      expect(h.body.items).to.have.length(1);
    });

    it('echoes the customer\'s own clientMessageId, hides the agent\'s, and still shows a closed chat\'s history', async () => {
      const agent = await onlineAgent('agent1@demo.local');
      const { socket: customer, session } = await customerSocket(app.url, app.channelId);
      track(customer);
      const assigned = once(agent.socket, 'conversation:assigned');
      const mine = randomUUID();
      const sent = await emitAck(customer, 'message:send', { text: 'is my transfer through?', clientMessageId: mine });
      expect(sent.message.clientMessageId).to.equal(mine);
      const { conversation } = await assigned;
      const reply = once(customer, 'message:new', (p) => p.message.direction === 'out');
      await emitAck(agent.socket, 'message:send', { conversationId: conversation.id, text: 'Yes, this morning.', clientMessageId: randomUUID() });
      expect((await reply).message).to.not.have.property('clientMessageId');
      const closed = once(customer, 'conversation:closed');
      expect((await emitAck(agent.socket, 'conversation:close', { conversationId: conversation.id })).ok).to.equal(true);
      await closed;

      // The visitor comes back later: no open conversation, but the last one is still shown.
      customer.close();
      const { socket: again, session: s2 } = await customerSocket(app.url, app.channelId, session.visitorToken);
      track(again);
      expect(s2.conversationId).to.equal(null);
      const h = await emitAck(again, 'history', {});
      expect(h.messages.map((m: any) => [m.sender, m.text, m.clientMessageId])).to.deep.equal([
        ['customer', 'is my transfer through?', mine], ['agent', 'Yes, this morning.', undefined],
      ]);
    });

    it('lets a reconnecting agent catch up with sync from the last message it saw', async () => {
      const agent = await onlineAgent('agent1@demo.local');
      const c = await customerSocket(app.url, app.channelId);
      track(c.socket);
      const assigned = once(agent.socket, 'conversation:assigned');
      const firstAck = await emitAck(c.socket, 'message:send', { text: 'm1', clientMessageId: randomUUID() });
      const conv = (await assigned).conversation;
      agent.socket.close();

      await emitAck(c.socket, 'message:send', { text: 'm2 while away', clientMessageId: randomUUID() });
      await emitAck(c.socket, 'message:send', { text: 'm3 while away', clientMessageId: randomUUID() });

      const again = track(await agentSocket(app.url, agent.token));
      const synced = await emitAck(again, 'sync', { afterMessageId: firstAck.message.id });
      expect(synced.ok).to.equal(true);
      expect(synced.conversations.map((x: any) => x.id)).to.deep.equal([conv.id]);
      expect(synced.messages.map((m: any) => m.text)).to.deep.equal(['m2 while away', 'm3 while away']);
    });

    it('never assigns an agent more conversations than their capacity, and assigns the next when one closes', async () => {
      // Demo agents have capacity 3 each; the supervisor too, so keep the supervisor offline.
      const a1 = await onlineAgent('agent1@demo.local');
      const a2 = await onlineAgent('agent2@demo.local');
      const got1 = collect(a1.socket, 'conversation:assigned');
      const got2 = collect(a2.socket, 'conversation:assigned');
      const customers = await Promise.all(Array.from({ length: 8 }, () => customerSocket(app.url, app.channelId)));
      customers.forEach((c) => track(c.socket));
      await Promise.all(customers.map((c, i) => emitAck(c.socket, 'message:send', { text: `customer ${i}`, clientMessageId: randomUUID() })));
      await waitFor(async () => got1.length + got2.length === 6);
      await sleep(200);
      expect(got1).to.have.length(3);
      expect(got2).to.have.length(3);
      const ids = [...got1, ...got2].map((x) => x.conversation.id);
      expect(new Set(ids).size).to.equal(6);

      const stats = await app.api('GET', '/api/v1/stats/queues', { token: await app.login('supervisor@demo.local') });
      expect(stats.status).to.equal(200);
      expect(stats.body.queues[0].waiting).to.equal(2);
      const alice = stats.body.agents.find((x: any) => x.name === 'Alice Agent');
      expect(alice).to.include({ status: 'online', load: 3, capacity: 3 });

      // Closing one frees capacity: the longest-waiting customer goes to that agent at once.
      const closed = await emitAck(a1.socket, 'conversation:close', { conversationId: got1[0].conversation.id, disposition: 'resolved' });
      expect(closed.ok).to.equal(true);
      expect(closed.conversation.status).to.equal('closed');
      await waitFor(async () => got1.length === 4);
      expect(ids).to.not.include(got1[3].conversation.id);
    });

    it('a second process sharing Redis and the database delivers to an agent connected to the first', async () => {
      const second = await startTestApp({ sameDeploymentAs: app });
      try {
        const agent = await onlineAgent('agent1@demo.local'); // connected to the first process
        const { socket: customer } = await customerSocket(second.url, app.channelId); // customer on the second
        track(customer);
        const assigned = once(agent.socket, 'conversation:assigned');
        await emitAck(customer, 'message:send', { text: 'via process two', clientMessageId: randomUUID() });
        const conv = (await assigned).conversation;
        const reply = once(customer, 'message:new', (p) => p.message.direction === 'out');
        await emitAck(agent.socket, 'message:send', { conversationId: conv.id, text: 'answered from process one', clientMessageId: randomUUID() });
        expect((await reply).message.text).to.equal('answered from process one');
      } finally {
        await second.stop();
      }
    });
  });
}

async function waitFor(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error('condition not met in time');
}
