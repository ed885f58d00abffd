// Whatever an agent's or a customer's socket sends, the server answers with a clear error (or
// ignores an event that has no answer), keeps the connection, and goes on serving: no payload
// shape reaches a handler unchecked, and none is an internal error.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { agentSocket, customerSocket, emitAck, sleep, type AnySocket } from '../helpers/sockets.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const deep = (n: number): unknown => (n ? { a: deep(n - 1) } : null);
const ODD: unknown[] = [
  undefined, null, 0, -1, 1e308, true, '', 'x'.repeat(100_000), [], [1, 2], {}, { conversationId: null },
  { conversationId: 42 }, { conversationId: 'x'.repeat(5000) }, { conversationId: randomUUID(), text: { toString: 'no' } },
  { conversationId: randomUUID(), text: '' }, { status: 'busy' }, { afterMessageId: [] }, { queueId: {}, conversationId: [] },
  { clientMessageId: '', text: 'hi' }, { text: 'x'.repeat(100_000), clientMessageId: 'c' }, deep(200), { __proto__: { polluted: true } },
  { conversationId: randomUUID(), template: { name: '../../x', language: 'en' }, clientMessageId: 'c' },
];
const AGENT_EVENTS = ['agent:status', 'message:send', 'conversation:accept', 'conversation:decline', 'conversation:pick', 'conversation:transfer', 'conversation:close', 'sync'];
const CUSTOMER_EVENTS = ['message:send', 'history'];

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms))]);
}

for (const db of DB_KINDS) {
  describe(`hostile socket input (${db})`, function () {
    let app: TestApp;
    const open: AnySocket[] = [];
    beforeEach(async () => { app = await startTestApp({ db }); });
    afterEach(async () => { open.splice(0).forEach((s) => s.close()); await app.stop(); });

    async function expectOnlyClearErrors(socket: AnySocket, events: string[]) {
      const internal: string[] = [];
      for (const event of events) {
        for (const payload of ODD) {
          const reply = await withTimeout(emitAck<any>(socket, event, payload), 5000, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
          if (reply.ok) continue; // some odd shapes are valid enough (sync with {}), and say so
          expect(reply.error.code, `${event}: ${JSON.stringify(payload)?.slice(0, 80)}`).to.be.a('string');
          expect(reply.error.message).to.be.a('string').and.not.be.empty;
          if (reply.error.code === 'internal') internal.push(`${event}: ${JSON.stringify(payload)?.slice(0, 120)}`);
        }
        // Without an ack function, and with extra arguments: nothing to answer, nothing breaks.
        socket.emit(event);
        socket.emit(event, { conversationId: randomUUID() }, 'extra', 42);
      }
      expect(internal, internal.join('\n')).to.deep.equal([]);
      await sleep(50);
      expect(socket.connected).to.equal(true);
    }

    it('answers an agent\'s malformed events with clear errors and keeps serving them', async () => {
      const agent = await agentSocket(app.url, await app.login('agent1@demo.local'));
      open.push(agent);
      await expectOnlyClearErrors(agent, AGENT_EVENTS);
      expect((await emitAck(agent, 'agent:status', { status: 'online' })).ok).to.equal(true);
      expect((await app.api('GET', '/healthz')).status).to.equal(200);
    });

    it('answers a customer\'s malformed events with clear errors and still takes their message', async () => {
      const { socket } = await customerSocket(app.url, app.channelId);
      open.push(socket);
      await expectOnlyClearErrors(socket, CUSTOMER_EVENTS);
      await sleep(10_500); // past the customer's rate-limit window
      const sent = await emitAck<any>(socket, 'message:send', { text: 'still here', clientMessageId: randomUUID() });
      expect(sent.ok, JSON.stringify(sent)).to.equal(true);
    });
  });
}
