// Whatever body a caller sends to a REST endpoint that takes one, the answer is 2xx or a 4xx in
// API.md's error shape: never a 5xx, never an internal error, and the service goes on.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const deep = (n: number): unknown => (n ? [deep(n - 1)] : null);
const BODIES: (string | unknown)[] = [
  null, 0, 'x', [], {}, [{}], { name: null }, { name: 42, email: [], password: {} }, { queueIds: 'q' }, { queueIds: [null, 1, {}] },
  { capacity: -1 }, { capacity: 1e308 }, { capacities: { chat: 'lots' } }, { skills: { a: 'b' } }, { priority: 'vip' },
  { platform: 'telegram', name: 'x', config: { botToken: 1 } }, { platform: 'nope', name: 'x', config: {} }, { config: 'x' },
  { routing: { policy: 'random' } }, { serviceLevel: { percent: 500, seconds: -1 } }, { text: 'x'.repeat(200_000), clientMessageId: 'c' },
  { template: { name: [], language: {} }, clientMessageId: 'c' }, { agentId: {}, queueId: [] }, { disposition: { a: 1 } },
  { maxBytes: 'big' }, { maxBytes: -5, widgetMaxBytes: 1e20 }, deep(300),
];
const RAW = ['{', '[1,', '{"a":1}}', '\u0000', 'null', '"str"'];

for (const db of DB_KINDS) {
  describe(`hostile REST input (${db})`, function () {
    this.timeout(60_000);
    let app: TestApp;
    beforeEach(async () => { app = await startTestApp({ db }); });
    afterEach(() => app.stop());

    it('answers every malformed body on every endpoint that takes one with a 4xx in the error shape, never a 5xx', async () => {
      const admin = await app.login('admin@demo.local');
      const some = randomUUID();
      const endpoints: [string, string][] = [
        ['POST', '/api/v1/agents'], ['PATCH', `/api/v1/agents/${some}`], ['POST', '/api/v1/channels'], ['PATCH', `/api/v1/channels/${some}`],
        ['POST', '/api/v1/queues'], ['PATCH', `/api/v1/queues/${some}`], ['PATCH', `/api/v1/customers/${some}`],
        ['POST', `/api/v1/conversations/${some}/messages`], ['POST', `/api/v1/conversations/${some}/transfer`],
        ['POST', `/api/v1/conversations/${some}/close`], ['POST', `/api/v1/conversations/${some}/pick`],
        ['POST', `/api/v1/queues/${some}/pick`], ['PUT', '/api/v1/media-limits'], ['POST', '/api/v1/auth/login'],
      ];
      // The real ones too, where a valid id gets the body past the lookup to the validation.
      const queues = (await app.api('GET', '/api/v1/queues', { token: admin })).body.items as { id: string }[];
      const agents = (await app.api('GET', '/api/v1/agents', { token: admin })).body.items as { id: string }[];
      endpoints.push(['PATCH', `/api/v1/queues/${queues[0].id}`], ['PATCH', `/api/v1/agents/${agents[0].id}`], ['PATCH', `/api/v1/channels/${app.channelId}`]);
      const bad: string[] = [];
      for (const [method, path] of endpoints) {
        const answers = [
          ...await Promise.all(BODIES.map((body) => app.api(method, path, { token: admin, body }))),
          ...await Promise.all(RAW.map((raw) => app.api(method, path, { token: admin, raw, headers: { 'content-type': 'application/json' } }))),
        ];
        answers.forEach((r, i) => {
          const ok = r.status < 300 || (r.status < 500 && typeof r.body?.error?.code === 'string' && r.body.error.code !== 'internal');
          if (!ok) bad.push(`${method} ${path} body #${i}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        });
      }
      expect(bad, bad.join('\n')).to.deep.equal([]);
      // A misspelt field is named, not silently ignored (which would look like success and change nothing).
      const typo = await app.api('PATCH', `/api/v1/queues/${queues[0].id}`, { token: admin, body: { maxWaitSecond: 30 } });
      expect(typo.status).to.equal(400);
      expect(typo.body.error.message).to.contain('maxWaitSecond');
      // What a client read may go back with its change: read-only fields are not unknown ones.
      const agent = (await app.api('GET', '/api/v1/agents', { token: admin })).body.items[0];
      const roundTrip = await app.api('PATCH', `/api/v1/agents/${agent.id}`, { token: admin, body: { ...agent, capacity: 4 } });
      expect(roundTrip.status, JSON.stringify(roundTrip.body)).to.equal(200);
      expect(roundTrip.body).to.include({ capacity: 4, email: agent.email });
      const queue = (await app.api('GET', `/api/v1/queues/${queues[0].id}`, { token: admin })).body;
      expect((await app.api('PATCH', `/api/v1/queues/${queue.id}`, { token: admin, body: { ...queue, maxWaitSeconds: 90 } })).body).to.include({ maxWaitSeconds: 90 });
      const channel = (await app.api('GET', `/api/v1/channels/${app.channelId}`, { token: admin })).body;
      expect((await app.api('PATCH', `/api/v1/channels/${channel.id}`, { token: admin, body: { ...channel, name: 'Web chat (renamed)' } })).body).to.include({ name: 'Web chat (renamed)' });
      const before = (await app.api('GET', '/api/v1/queues', { token: admin })).body.items.length;
      expect((await app.api('POST', '/api/v1/queues', { token: admin, body: { name: 'x', platform: 'telegram' } })).status).to.equal(400);
      expect((await app.api('GET', '/api/v1/queues', { token: admin })).body.items.length).to.equal(before);
      expect((await app.api('GET', '/healthz')).status).to.equal(200);
      expect((await app.api('GET', '/api/v1/queues', { token: admin })).status).to.equal(200);
    });
  });
}
