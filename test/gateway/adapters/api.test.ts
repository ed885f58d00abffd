// The generic api channel over real HTTP (API.md): signed JSON in, signed JSON out to a fake
// CRM callback, with retries, permanent failures and attachments by URL.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { channelRuntime } from '../../../gateway/index.js';
import { adapterFor } from '../../../gateway/registry.js';
import type { ServiceName } from '../../../shared/config.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, agentReply, bodyIncludes, bodyText, createChannel, customerReachesAgent as reachAgent, postWebhook, statusOf, storedMessage, storedMessages, tearDown, waitFor, type CreatedChannel } from '../../helpers/gateway.js';
import type { AnySocket } from '../../helpers/sockets.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { FakeApiCallbackServer } from '../../fakes/api-callback-server.js';
import { API_MESSAGES, apiSignature } from '../../fixtures/api/signing.js';

const SECRET = 'api-channel-secret-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };

for (const db of DB_KINDS) {
  describe(`api channel adapter (${db})`, function () {
    let app: TestApp;
    let crm: FakeApiCallbackServer;
    let ch: CreatedChannel;
    const sockets: AnySocket[] = [];

    async function start(services?: ServiceName[]) {
      app = await startTestApp({ db, services });
      crm = await new FakeApiCallbackServer(SECRET).start();
      ch = await createChannel(app, 'api', { secret: SECRET, callbackUrl: crm.callbackUrl, timeoutMs: 1000 });
    }
    afterEach(() => tearDown(sockets, crm, app));
    const post = (body: unknown, headers: Record<string, string> = {}) => {
      const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      return postWebhook(app, ch.path, raw, { ...JSON_TYPE, 'x-signature': apiSignature(SECRET, raw), ...headers });
    };

    describe('inbound', () => {
      beforeEach(() => start(WITHOUT_MEDIA_FETCH));

      it('stores text, media and file messages, with the sender\'s name', async () => {
        for (const name of ['text', 'image', 'file', 'noType']) expect((await post(API_MESSAGES[name])).status, name).to.equal(200);
        const stored = await storedMessages(app, ch.id);
        expect(stored.map((m) => [m.type, m.text, m.externalMessageId])).to.deep.equal([
          ['text', 'Hello from the CRM portal', 'crm-msg-1'], ['image', 'the receipt', 'crm-msg-2'], ['file', null, 'crm-msg-3'], ['text', 'type defaults to text', 'crm-msg-4'],
        ]);
        expect(stored[1].content?.media).to.deep.equal([{ url: 'https://crm.example.com/files/receipt.png', mimeType: 'image/png' }]);
        const admin = await app.login('admin@demo.local');
        const c = await app.api('GET', `/api/v1/conversations/${stored[0].conversationId}`, { token: admin });
        expect(c.body.customer).to.include({ displayName: 'Grace Hopper', externalUserId: 'crm-contact-1001' });
      });

      it('stores a message posted twice once, also when the copies arrive together', async () => {
        const results = await Promise.all([post(API_MESSAGES.text), post(API_MESSAGES.text), post(API_MESSAGES.text)]);
        expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect(await storedMessages(app, ch.id)).to.have.length(1);
      });

      it('refuses a forged, missing or malformed X-Signature with 401 and stores nothing', async () => {
        const raw = JSON.stringify(API_MESSAGES.text);
        expect((await post(raw, { 'x-signature': apiSignature('another-secret-xxxxxxxx', raw) })).status).to.equal(401);
        expect((await post(raw, { 'x-signature': '' })).status).to.equal(401);
        expect((await post(raw, { 'x-signature': apiSignature(SECRET, raw).replace('sha256=', '') })).status).to.equal(401);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('refuses bodies that do not follow API.md with 400, 413 or 415', async () => {
        const bad = ['{"externalUserId":', '[]', { ...API_MESSAGES.text, externalUserId: 42 }, { ...API_MESSAGES.text, type: 'hologram' },
          { externalUserId: 'u', externalMessageId: 'm' }, { ...API_MESSAGES.image, media: [{ url: 'file:///etc/passwd' }] },
          `{"externalUserId":"u","externalMessageId":"m","text":"x","deep":${'['.repeat(100)}${']'.repeat(100)}}`];
        for (const body of bad) expect((await post(body)).status, JSON.stringify(body).slice(0, 50)).to.equal(400);
        expect((await post(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).status).to.equal(400);
        expect((await post(JSON.stringify(API_MESSAGES.text), { 'content-type': 'text/plain' })).status).to.equal(415);
        expect((await post({ ...API_MESSAGES.text, text: 'x'.repeat(1_100_000) })).status).to.equal(413);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });
    });

    describe('outbound', () => {
      beforeEach(() => start());

      /** A CRM contact writes through the api channel, agent1 gets the conversation. */
      const customerReachesAgent = (externalUserId = 'crm-contact-1001') =>
        reachAgent(app, sockets, { platform: 'api', channelId: ch.id, sendInbound: () => post({ ...API_MESSAGES.text, externalUserId, externalMessageId: randomUUID() }) });
      // The bot may also write to the customer meanwhile, so checks are keyed on the reply's id.
      const callbacksOf = (id: string) => crm.to('POST', '/crm/callback').filter((r) => r.json().message?.id === id);

      it('posts the agent\'s reply to the callback URL, signed, in the documented shape', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const id = await agentReply(agent.socket, conversationId, { text: 'We got your message.' });
        await waitFor(() => statusOf(statuses, id, 'sent'));
        expect(callbacksOf(id).map((r) => r.json())).to.deep.equal([{ channelId: ch.id, externalUserId: 'crm-contact-1001', message: { id, type: 'text', text: 'We got your message.' } }]);
        expect((await storedMessage(app, id)).externalMessageId).to.equal(id);
      });

      it('retries a 500 and a timeout, then sends', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        crm.failWhere('POST', '/crm/callback', bodyIncludes('third time lucky'), { status: 500, body: 'oops' }, 'timeout');
        const id = await agentReply(agent.socket, conversationId, { text: 'third time lucky' });
        await waitFor(() => statusOf(statuses, id, 'sent'), 15000, 'sent after retries');
        expect(callbacksOf(id)).to.have.length(3);
      });

      it('fails at once when the receiver answers 4xx, with its reason', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent('crm-user-unknown');
        const id = await agentReply(agent.socket, conversationId, { text: 'hello?' });
        await waitFor(() => statusOf(statuses, id, 'failed'));
        expect(statusOf(statuses, id, 'failed').error).to.equal('The api channel\'s callback answered 404: No such contact in the CRM');
        expect(callbacksOf(id)).to.have.length(1);
      });

      it('downloads an attachment from the URL the sender gave', async () => {
        crm.route('GET', '/files/:name', () => ({ status: 200, body: Buffer.from('%PDF-1.7'), headers: { 'content-type': 'application/pdf' } }));
        const rt = (await channelRuntime(app.ctx, ch.id))!;
        const got = await adapterFor('api')!.fetchMedia!(app.ctx, rt, { url: `${crm.url}/files/contract.pdf` });
        expect([got.mimeType, await bodyText(got.body)]).to.deep.equal(['application/pdf', '%PDF-1.7']);
      });
    });
  });
}
