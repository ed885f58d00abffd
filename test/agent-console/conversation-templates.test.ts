// GET /api/v1/conversations/:id/templates against a fake WhatsApp Business Management API: the
// approved templates of the conversation's channel across pages, reduced for the picker and kept
// a few minutes; a clear error for every way it can fail; only for whoever may write in it.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { createChannel, customerReachesAgent, postWebhook, type CreatedChannel } from '../helpers/gateway.js';
import { agentSocket, customerSocket, emitAck, once, type AnySocket } from '../helpers/sockets.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { FAKE_WABA_ID, FakeWhatsappServer, graphError } from '../fakes/whatsapp-server.js';
import { metaSignature, waBody, waMessage } from '../fixtures/whatsapp/signing.js';
import { sendableTemplate } from '../../gateway/adapters/whatsapp/templates.js';

const TOKEN = 'EAAGtemplates-test-access-token';
const APP_SECRET = 'templates-app-secret-0123456789';
const PHONE_ID = '106540352242922';
const TEMPLATES_PATH = `/v21.0/${FAKE_WABA_ID}/message_templates`;

/** What the fake's catalog gives a picker: approved, fillable, sorted by name then language. */
const EXPECTED = [
  { name: 'callback_offer', language: 'en_US', category: 'UTILITY', body: 'Hello {{1}}, we can call you back {{2}}. Reply YES to confirm.', parameterCount: 2, header: 'Your callback', footer: 'Contact Center' },
  { name: 'callback_offer', language: 'es_ES', category: 'UTILITY', body: 'Hola {{1}}, podemos llamarle {{2}}. Responda SÍ para confirmar.', parameterCount: 2 },
  { name: 'follow_up', language: 'en_US', category: 'UTILITY', body: 'Hi! You asked us for help earlier. Reply to this message to carry on the conversation.', parameterCount: 0 },
  { name: 'follow_up', language: 'pt_BR', category: 'UTILITY', body: 'Olá! Você pediu ajuda mais cedo. Responda esta mensagem para continuar a conversa.', parameterCount: 0 },
  { name: 'order_update', language: 'en_US', category: 'UTILITY', body: 'Your order {{1}} has shipped and arrives {{2}}. Track it with code {{3}}.', parameterCount: 3 },
];

let customers = 16_505_770_000;

for (const db of DB_KINDS) {
  describe(`conversation templates (${db})`, function () {
    let app: TestApp;
    let fake: FakeWhatsappServer;
    const sockets: AnySocket[] = [];

    beforeEach(async () => {
      app = await startTestApp({ db });
      fake = await new FakeWhatsappServer(TOKEN, PHONE_ID).start();
    });
    afterEach(async () => {
      sockets.splice(0).forEach((s) => s.close());
      await fake.close();
      await app.stop();
    });

    async function whatsappChannel(extra: Record<string, unknown> = { businessAccountId: FAKE_WABA_ID }): Promise<CreatedChannel> {
      return createChannel(app, 'whatsapp', { phoneNumberId: PHONE_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'templates-verify', apiBaseUrl: fake.url, timeoutMs: 300, ...extra });
    }

    /** A WhatsApp customer writes and the conversation is assigned to agent1. */
    async function whatsappConversation(ch: CreatedChannel): Promise<{ id: string; token: string }> {
      const from = String(++customers);
      const body = waBody(PHONE_ID, { messages: [waMessage('text', from, { text: { body: 'Can someone call me?' } })] });
      const r = await customerReachesAgent(app, sockets, {
        platform: 'whatsapp', channelId: ch.id,
        sendInbound: () => postWebhook(app, ch.path, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) }),
      });
      return { id: r.conversationId, token: r.agent.token };
    }

    const templatesOf = (conversationId: string, token: string) => app.api('GET', `/api/v1/conversations/${conversationId}/templates`, { token });

    it('lists the approved templates across pages, without pending, rejected or unfillable ones', async () => {
      const c = await whatsappConversation(await whatsappChannel());
      const r = await templatesOf(c.id, c.token);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.deep.equal({ templates: EXPECTED });

      // Nine templates, three a page: the cursor of each page asks for the next, and no page is asked twice.
      const calls = fake.to('GET', TEMPLATES_PATH);
      expect(calls).to.have.length(3);
      expect(calls.map((q) => q.headers.authorization)).to.deep.equal(Array(3).fill(`Bearer ${TOKEN}`));
      expect(calls[0].query.get('after')).to.equal(null);
      expect(calls[0].query.get('fields')).to.include('components');
      expect(new Set(calls.map((q) => q.query.get('after'))).size).to.equal(3);
    });

    it('keeps a listing a few minutes for the channel, for the agent and a supervisor alike', async () => {
      const c = await whatsappConversation(await whatsappChannel());
      expect((await templatesOf(c.id, c.token)).status).to.equal(200);
      const asked = fake.to('GET', TEMPLATES_PATH).length;
      const again = await Promise.all([templatesOf(c.id, c.token), templatesOf(c.id, await app.login('supervisor@demo.local'))]);
      expect(again.map((r) => r.status)).to.deep.equal([200, 200]);
      expect(again[1].body).to.deep.equal({ templates: EXPECTED });
      expect(fake.to('GET', TEMPLATES_PATH)).to.have.length(asked);
    });

    it('refuses a conversation that is not on WhatsApp, saying templates are WhatsApp\'s', async () => {
      const token = await app.login('agent1@demo.local');
      const agent = await agentSocket(app.url, token);
      sockets.push(agent);
      await emitAck(agent, 'agent:status', { status: 'online' });
      const { socket: customer } = await customerSocket(app.url, app.channelId);
      sockets.push(customer);
      const assigned = once(agent, 'conversation:assigned');
      await emitAck(customer, 'message:send', { text: 'hello from the widget', clientMessageId: randomUUID() });
      const conversationId = (await assigned).conversation.id;

      const r = await templatesOf(conversationId, token);
      expect(r.status).to.equal(400);
      expect(r.body.error.code).to.equal('validation_failed');
      expect(r.body.error.message).to.equal('Templates are WhatsApp\'s; this conversation is on webchat. Send text or a file instead.');
    });

    it('tells the admin to set businessAccountId when the channel has none, and asks WhatsApp nothing', async () => {
      const ch = await whatsappChannel({});
      const c = await whatsappConversation(ch);
      const r = await templatesOf(c.id, c.token);
      expect(r.status).to.equal(409);
      expect(r.body.error.code).to.equal('conflict');
      expect(r.body.error.message).to.match(/admin must set businessAccountId on the channel/);
      expect(r.body.error.details).to.deep.equal({ channelId: ch.id, setting: 'businessAccountId' });
      expect(fake.to('GET', TEMPLATES_PATH)).to.have.length(0);

      // Once set, the listing works at once (the cached runtime and listing do not hide the change).
      const admin = await app.login('admin@demo.local');
      const patched = await app.api('PATCH', `/api/v1/channels/${ch.id}`, { token: admin, body: { config: { businessAccountId: FAKE_WABA_ID } } });
      expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
      expect(patched.body.config.businessAccountId).to.equal(FAKE_WABA_ID);
      expect((await templatesOf(c.id, c.token)).body).to.deep.equal({ templates: EXPECTED });
    });

    it('refuses a businessAccountId that is not digits, and changes nothing', async () => {
      const ch = await whatsappChannel();
      const admin = await app.login('admin@demo.local');
      const r = await app.api('PATCH', `/api/v1/channels/${ch.id}`, { token: admin, body: { config: { businessAccountId: '../me/accounts' } } });
      expect(r.status).to.equal(400);
      expect(r.body.error.message).to.match(/businessAccountId: must be the WhatsApp Business Account ID/);
      expect((await app.api('GET', `/api/v1/channels/${ch.id}`, { token: admin })).body.config.businessAccountId).to.equal(FAKE_WABA_ID);
    });

    it('answers 502 with WhatsApp\'s reason when WhatsApp refuses or fails, and keeps no failure', async () => {
      const c = await whatsappConversation(await whatsappChannel());
      fake.failNext('GET', TEMPLATES_PATH,
        graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token'),
        graphError(403, 200, 'Requires whatsapp_business_management permission to manage the object'),
        graphError(503, 2, 'Service temporarily unavailable', undefined, { 'retry-after': '7' }),
        'timeout');

      const badToken = await templatesOf(c.id, c.token);
      expect(badToken.status).to.equal(502);
      expect(badToken.body.error).to.deep.equal({
        code: 'platform_error',
        message: 'The templates could not be listed. WhatsApp answered 401: (#190) Invalid OAuth access token - Cannot parse access token: the channel\'s access token has expired or was revoked',
        details: { platform: 'whatsapp', retryable: false },
      });
      const permission = await templatesOf(c.id, c.token);
      expect(permission.status).to.equal(502);
      expect(permission.body.error.message).to.include('Requires whatsapp_business_management permission');
      const down = await templatesOf(c.id, c.token);
      expect(down.status).to.equal(502);
      expect(down.body.error.details).to.deep.equal({ platform: 'whatsapp', retryable: true });
      expect(down.headers.get('retry-after')).to.equal('7');
      const slow = await templatesOf(c.id, c.token);
      expect(slow.status).to.equal(502);
      expect(slow.body.error.message).to.equal('The templates could not be listed. WhatsApp did not answer within 300 ms.');

      // A failure of a later page fails the listing too, rather than offering half of it.
      fake.failWhere('GET', TEMPLATES_PATH, (q) => q.query.get('after') !== null, graphError(500, 1, 'An unknown error occurred'));
      const half = await templatesOf(c.id, c.token);
      expect(half.status).to.equal(502);
      expect(half.body.error.message).to.include('(#1) An unknown error occurred');

      // None of that was kept: WhatsApp answers again, and so does the endpoint.
      const ok = await templatesOf(c.id, c.token);
      expect(ok.status).to.equal(200);
      expect(ok.body).to.deep.equal({ templates: EXPECTED });
    });

    it('is refused to another agent, to a stranger without a token, and unknown conversations are not found', async () => {
      const c = await whatsappConversation(await whatsappChannel());
      const other = await templatesOf(c.id, await app.login('agent2@demo.local'));
      expect(other.status).to.equal(403);
      expect(other.body.error.code).to.equal('forbidden');
      expect((await app.api('GET', `/api/v1/conversations/${c.id}/templates`)).status).to.equal(401);
      const missing = await templatesOf(randomUUID(), c.token);
      expect(missing.status).to.equal(404);
      expect(missing.body.error.code).to.equal('not_found');
      expect(fake.to('GET', TEMPLATES_PATH)).to.have.length(0);
    });
  });
}

describe('which WhatsApp templates the picker offers', () => {
  const approved = (components: Record<string, unknown>[], over: Record<string, unknown> = {}) =>
    sendableTemplate({ name: 'greeting', language: 'en', status: 'APPROVED', category: 'UTILITY', components: components as any, ...over });

  it('counts parameters by the highest {{n}} of the body, whatever the spacing and order', () => {
    expect(approved([{ type: 'BODY', text: 'Dear {{ 2 }}, {{1}} and {{3}} and {{1}} again' }])?.parameterCount).to.equal(3);
    expect(approved([{ type: 'BODY', text: 'No parameters here.' }])?.parameterCount).to.equal(0);
  });

  it('leaves out what a send could not fill: named parameters, media or variable headers, buttons needing values, no body', () => {
    expect(approved([{ type: 'BODY', text: 'Hi {{first_name}}' }])).to.equal(undefined);
    expect(approved([{ type: 'BODY', text: 'Hi {{1}}' }], { parameter_format: 'NAMED' })).to.equal(undefined);
    expect(approved([{ type: 'HEADER', format: 'VIDEO' }, { type: 'BODY', text: 'Watch this' }])).to.equal(undefined);
    expect(approved([{ type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' }, { type: 'BODY', text: 'Shipped' }])).to.equal(undefined);
    expect(approved([{ type: 'BODY', text: 'Your code' }, { type: 'BUTTONS', buttons: [{ type: 'OTP', text: 'Copy code' }] }])).to.equal(undefined);
    expect(approved([{ type: 'BODY', text: 'Track' }, { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://example.com/t/{{1}}' }] }])).to.equal(undefined);
    expect(approved([{ type: 'HEADER', format: 'TEXT', text: 'Hello' }])).to.equal(undefined);
    expect(approved([{ type: 'BODY', text: `${Array.from({ length: 21 }, (_, i) => `{{${i + 1}}}`).join(' ')}` }])).to.equal(undefined);
    expect(approved([{ type: 'BODY', text: 'Hi' }], { status: 'PAUSED' })).to.equal(undefined);
    expect(approved([{ type: 'BODY', text: 'Hi' }], { name: 'Not A Name' })).to.equal(undefined);
  });

  it('keeps static headers, footers, quick replies and fixed links', () => {
    expect(approved([
      { type: 'HEADER', format: 'TEXT', text: 'Hello' }, { type: 'BODY', text: 'Hi {{1}}' }, { type: 'FOOTER', text: 'Bye' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Yes' }, { type: 'URL', text: 'Site', url: 'https://example.com' }] },
    ])).to.deep.equal({ name: 'greeting', language: 'en', category: 'UTILITY', body: 'Hi {{1}}', parameterCount: 1, header: 'Hello', footer: 'Bye' });
  });
});
