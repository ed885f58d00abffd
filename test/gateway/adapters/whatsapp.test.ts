// WhatsApp Cloud API adapter over real HTTP: Meta's handshake, signed batched notifications
// (every message type, statuses, errors, other numbers, redeliveries, hostile bodies), the
// messages endpoint of a fake Graph API (text, media by link, limits, retries, the 24-hour window
// refused at once or later by a status, Graph error codes) and the two-step media download.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { channelRuntime, type ChannelRuntime } from '../../../gateway/index.js';
import { adapterFor } from '../../../gateway/registry.js';
import type { SendError } from '../../../gateway/send-error.js';
import type { ServiceName } from '../../../shared/config.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, agentReply, agentUpload, bodyIncludes, bodyText, createChannel, customerReachesAgent as reachAgent, postWebhook, receivedAt, statusOf, storedMessage, storedMessages, tearDown, waitFor, type CreatedChannel } from '../../helpers/gateway.js';
import { emitAck, once, type AnySocket } from '../../helpers/sockets.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import type { FakeAnswer } from '../../fakes/fake-http-server.js';
import { FakeWhatsappServer, graphError } from '../../fakes/whatsapp-server.js';
import { metaSignature, waBody, waEntry, waMessage, waNotification, waStatus } from '../../fixtures/whatsapp/signing.js';
import * as files from '../../media-server/media-fixtures.js';

const TOKEN = 'EAAGwhatsapp-test-access-token';
const APP_SECRET = 'whatsapp-app-secret-0123456789';
const VERIFY = 'whatsapp-verify-token-42';
const PHONE_ID = '106540352242922';
const OTHER_PHONE_ID = '999999999999999';
const JSON_TYPE = { 'content-type': 'application/json' };
const MESSAGES = `/v21.0/${PHONE_ID}/messages`;
const WINDOW_CLOSED = 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.';

let customers = 16_505_550_000;
const freshCustomer = () => String(++customers);

for (const db of DB_KINDS) {
  describe(`WhatsApp adapter (${db})`, function () {
    let app: TestApp;
    let fake: FakeWhatsappServer;
    let ch: CreatedChannel;
    const sockets: AnySocket[] = [];

    const post = (body: string, headers: Record<string, string> = {}) =>
      postWebhook(app, ch.path, body, { ...JSON_TYPE, 'x-hub-signature-256': metaSignature(APP_SECRET, body), ...headers });

    async function start(services?: ServiceName[]) {
      app = await startTestApp({ db, services });
      fake = await new FakeWhatsappServer(TOKEN, PHONE_ID).start();
      ch = await createChannel(app, 'whatsapp', { phoneNumberId: PHONE_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY, apiBaseUrl: fake.url, timeoutMs: 1000 });
    }
    afterEach(() => tearDown(sockets, fake, app));

    describe('inbound', () => {
      beforeEach(() => start(WITHOUT_MEDIA_FETCH));

      it('answers Meta\'s verification request with the challenge, and only with the right token', async () => {
        const ok = await fetch(`${app.url}${ch.path}?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`);
        expect(ok.status).to.equal(200);
        expect(await ok.text()).to.equal('1158201444');
        for (const q of [`hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`, `hub.mode=unsubscribe&hub.verify_token=${VERIFY}&hub.challenge=1`, `hub.mode=subscribe&hub.challenge=1`]) {
          expect((await fetch(`${app.url}${ch.path}?${q}`)).status, q).to.equal(403);
        }
      });

      it('stores every message type of a batch, in order, with the customer\'s profile name', async () => {
        const from = freshCustomer();
        const names = ['text', 'image', 'audio', 'audioFile', 'video', 'document', 'sticker', 'location', 'contacts', 'buttonReply', 'listReply', 'flowReply', 'templateButton', 'reaction', 'order', 'unsupported', 'requestWelcome'];
        const msgs = names.map((n) => waMessage(n, from));
        // Two changes in one entry, as Meta batches them: all handled, in order.
        const res = await post(waBody(PHONE_ID, { messages: msgs.slice(0, 8) }, { messages: msgs.slice(8) }));
        expect(res.status).to.equal(200);
        const stored = await storedMessages(app, ch.id);
        expect(stored.map((m) => m.type)).to.deep.equal(['text', 'image', 'audio', 'audio', 'video', 'file', 'sticker', 'location', 'contact', 'interactive', 'interactive', 'interactive', 'interactive', 'text', 'text', 'text', 'text']);
        expect(stored.map((m) => m.externalMessageId)).to.deep.equal(msgs.map((m) => m.id));
        expect(new Set(stored.map((m) => m.conversationId)).size).to.equal(1);
        const by = Object.fromEntries(names.map((n, i) => [n, stored[i]]));
        expect(by.text.text).to.equal('Hello, my order has not arrived');
        expect(by.image.content?.media).to.deep.equal([{ platformRef: '1479537139650973', mimeType: 'image/jpeg', caption: 'the broken box' }]);
        expect(by.image.text).to.equal('the broken box');
        // A voice note says so; an audio file does not.
        expect(by.audio.content).to.deep.include({ payload: 'voice', media: [{ platformRef: '908647568056785', mimeType: 'audio/ogg' }] });
        expect(by.audioFile.content).to.deep.equal({ media: [{ platformRef: '774589371034562', mimeType: 'audio/mpeg' }] });
        expect(by.video.content?.media?.[0]).to.include({ platformRef: '1053889526279113', caption: 'unboxing' });
        expect(by.document.content?.media?.[0]).to.include({ fileName: 'invoice.pdf', mimeType: 'application/pdf' });
        expect(by.sticker.content?.media?.[0]).to.include({ platformRef: '1080138190163578', mimeType: 'image/webp' });
        expect(by.location.content?.location).to.deep.equal({ latitude: 37.483307, longitude: -122.148981, name: 'Main office', address: '1 Hacker Way, Menlo Park, CA 94025' });
        expect(by.contacts.text).to.equal('Barbara Johnson\n+1 (650) 555-1234');
        expect(by.buttonReply).to.include({ text: 'Change it' });
        expect(by.buttonReply.content).to.include({ payload: 'change-button', replyToExternalId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDRkU2QkRFOTc3NTdBRTg5QzAA' });
        expect(by.listReply.content?.payload).to.equal('slot-friday');
        expect(by.flowReply.content?.payload).to.equal('{"flow_token":"delivery-slot","slot":"friday"}');
        expect(by.templateButton).to.include({ text: 'Stop promotions' });
        expect(by.templateButton.content?.payload).to.equal('STOP_PROMOTIONS');
        expect(by.reaction.text).to.equal('Reacted 👍');
        expect(by.reaction.content?.replyToExternalId).to.equal('wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCMDcwODI1QjJERTZFMjAzQzcA');
        expect(by.order.text).to.equal('[Order]\n2 × di9ozbzfi4\nPlease deliver before Friday');
        expect(by.unsupported.text).to.equal('[WhatsApp unsupported poll_update message: Message type unknown]');
        expect(by.requestWelcome.text).to.equal('[WhatsApp request_welcome message]');
        const conv = await app.api('GET', `/api/v1/conversations/${by.text.conversationId}`, { token: await app.login('admin@demo.local') });
        expect(conv.body.customer).to.include({ externalUserId: from, displayName: 'Sheena Nelson' });
      });

      it('handles every entry and change in order, passing on statuses, errors, account changes and other numbers', async () => {
        const from = freshCustomer();
        const [a, b, c, d] = ['text', 'image', 'text', 'location'].map((n) => waMessage(n, from));
        const body = waNotification(
          waEntry(PHONE_ID, { messages: [a, b] }, { statuses: [waStatus('wamid.OUT1', 'delivered', from)] }),
          waEntry(OTHER_PHONE_ID, { messages: [c] }),
          { id: '102290129340398', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1 } }] },
          waEntry(PHONE_ID, { errors: [{ code: 130429, title: 'Rate limit hit', message: 'Rate limit hit', error_data: { details: 'Cloud API message throughput has been reached.' } }] }, { messages: [d] }, { messages: [waMessage('system', from)] }),
        );
        const rt = (await channelRuntime(app.ctx, ch.id))!;
        const events = adapterFor('whatsapp')!.webhook!.parse({ method: 'POST', headers: JSON_TYPE, query: {}, rawBody: Buffer.from(body) }, rt);
        expect(events.map((e) => [e.kind, e.message ? e.externalMessageId : e.status?.status ?? e.event?.name])).to.deep.equal([
          ['message', a.id], ['message', b.id], ['status', 'delivered'], ['event', 'other-phone-number'],
          ['event', 'message_template_status_update'], ['event', 'error:130429'], ['message', d.id], ['event', 'system:user_changed_number'],
        ]);
        expect(events[5].event?.payload).to.equal('(#130429) Rate limit hit: Cloud API message throughput has been reached.');
        expect(events[7].event?.payload).to.match(/changed their phone number/);

        // Over HTTP: acknowledged, and only this number's customer messages are stored, in order.
        expect((await post(body)).status).to.equal(200);
        expect((await storedMessages(app, ch.id)).map((m) => m.externalMessageId)).to.deep.equal([a.id, b.id, d.id]);
      });

      it('stores a redelivered message once, also when copies arrive at the same moment', async () => {
        const body = waBody(PHONE_ID, { messages: [waMessage('text', freshCustomer())] });
        const results = await Promise.all([post(body), post(body), post(body)]);
        expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect((await post(body)).status).to.equal(200);
        expect(await storedMessages(app, ch.id)).to.have.length(1);
      });

      it('refuses a forged, missing or other app\'s signature with 401 and stores nothing', async () => {
        const body = waBody(PHONE_ID, { messages: [waMessage('text', freshCustomer())] });
        expect((await post(body, { 'x-hub-signature-256': metaSignature('another-app-secret', body) })).status).to.equal(401);
        expect((await postWebhook(app, ch.path, body, JSON_TYPE)).status).to.equal(401);
        expect((await postWebhook(app, ch.path, body.replace('Hello', 'Hellp'), { ...JSON_TYPE, 'x-hub-signature-256': metaSignature(APP_SECRET, body) })).status).to.equal(401);
        expect((await post(body, { 'x-hub-signature-256': metaSignature(APP_SECRET, body).replace('sha256=', 'sha1=') })).status).to.equal(401);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('refuses hostile bodies with 400, 413 or 415 and stores nothing', async () => {
        const from = freshCustomer();
        const deep = '{"object":"whatsapp_business_account","entry":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
        const badTimestamp = waBody(PHONE_ID, { messages: [waMessage('text', from, { timestamp: 'yesterday' })] });
        const noMetadata = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messages: [] } }] }] });
        const page = JSON.stringify({ object: 'page', entry: [] });
        const badUtf8 = Buffer.concat([Buffer.from('{"object":"whatsapp_business_account","entry":[],"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
        for (const body of ['{"object": ', 'null', deep, badTimestamp, noMetadata, page]) expect((await post(body)).status, body.slice(0, 60)).to.equal(400);
        expect((await post(badUtf8 as unknown as string)).status).to.equal(400);
        const ok = waBody(PHONE_ID, { messages: [waMessage('text', from)] });
        expect((await post(ok, { 'content-type': 'text/xml' })).status).to.equal(415);
        const huge = waBody(PHONE_ID, { messages: [waMessage('text', from, { text: { body: 'x'.repeat(1_100_000) } })] });
        expect((await post(huge)).status).to.equal(413);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });
    });

    describe('outbound', () => {
      beforeEach(() => start());

      /** A WhatsApp customer writes, agent1 gets the conversation. */
      async function customerReachesAgent(from = freshCustomer()) {
        const reached = await reachAgent(app, sockets, { platform: 'whatsapp', channelId: ch.id, sendInbound: () => post(waBody(PHONE_ID, { messages: [waMessage('text', from)] })) });
        return { ...reached, from };
      }
      const wamidOf = async (id: string) => (await storedMessage(app, id)).externalMessageId!;

      it('takes a customer to an agent and the reply back, then moves it to delivered and read', async () => {
        const { agent, conversationId, from, statuses } = await customerReachesAgent();
        const id = await agentReply(agent.socket, conversationId, { text: 'Your parcel leaves today: https://example.com/track' });
        await waitFor(() => statusOf(statuses, id, 'sent'));
        const [req] = fake.to('POST', MESSAGES).filter(bodyIncludes('Your parcel leaves today'));
        expect(req.headers.authorization).to.equal(`Bearer ${TOKEN}`);
        expect(req.headers['content-type']).to.match(/^application\/json/);
        expect(req.json()).to.deep.equal({ messaging_product: 'whatsapp', recipient_type: 'individual', to: from, type: 'text', text: { preview_url: true, body: 'Your parcel leaves today: https://example.com/track' } });
        const wamid = await wamidOf(id);
        expect(wamid).to.equal(fake.sendsWith('Your parcel leaves today: https://example.com/track')[0].wamid);

        // Statuses come later, batched, and only move forward (a late "delivered" never undoes "read").
        expect((await post(waBody(PHONE_ID, { statuses: [waStatus(wamid, 'sent', from), waStatus(wamid, 'delivered', from)] }))).status).to.equal(200);
        await waitFor(() => statusOf(statuses, id, 'delivered'));
        expect((await post(waBody(PHONE_ID, { statuses: [waStatus(wamid, 'read', from)] }))).status).to.equal(200);
        await waitFor(() => statusOf(statuses, id, 'read'));
        expect((await post(waBody(PHONE_ID, { statuses: [waStatus(wamid, 'delivered', from)] }))).status).to.equal(200);
        expect((await storedMessage(app, id)).status).to.equal('read');

        // A voice note the customer played counts as read.
        const id2 = await agentReply(agent.socket, conversationId, { text: 'Listen to this' });
        await waitFor(() => statusOf(statuses, id2, 'sent'));
        expect((await post(waBody(PHONE_ID, { statuses: [waStatus(await wamidOf(id2), 'played', from)] }))).status).to.equal(200);
        await waitFor(() => statusOf(statuses, id2, 'read'));
      });

      it('never moves a message back when its statuses arrive together in separate webhooks', async () => {
        const { agent, conversationId, from, statuses } = await customerReachesAgent();
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) ids.push(await agentReply(agent.socket, conversationId, { text: `Reply ${i}` }));
        await waitFor(() => ids.every((id) => statusOf(statuses, id, 'sent')));
        const wamids = await Promise.all(ids.map(wamidOf));
        // "read" and "delivered" of each reply at the same moment, in either order: each handler
        // reads the message before the other has written.
        const answers = await Promise.all(wamids.flatMap((wamid, i) => {
          const pair = [waStatus(wamid, 'read', from), waStatus(wamid, 'delivered', from)];
          if (i % 2) pair.reverse();
          return pair.map((st) => post(waBody(PHONE_ID, { statuses: [st] })));
        }));
        expect(answers.map((r) => r.status)).to.satisfy((all: number[]) => all.every((x) => x === 200));
        for (const id of ids) expect((await storedMessage(app, id)).status, id).to.equal('read');
      });

      it('applies a status that arrives before the answer to its send was recorded', async () => {
        const { agent, conversationId, from, statuses } = await customerReachesAgent();
        const wamid = `wamid.HBgLEARLY${randomUUID().replace(/-/g, '').toUpperCase()}`;
        // WhatsApp accepts the send but its answer is slow to reach us; its status webhook is not.
        fake.failWhere('POST', MESSAGES, bodyIncludes('Quick one'), { status: 200, afterMs: 500, body: { messaging_product: 'whatsapp', contacts: [{ input: from, wa_id: from }], messages: [{ id: wamid }] } });
        const id = await agentReply(agent.socket, conversationId, { text: 'Quick one' });
        await waitFor(() => fake.to('POST', MESSAGES).some(bodyIncludes('Quick one')));
        expect((await post(waBody(PHONE_ID, { statuses: [waStatus(wamid, 'delivered', from)] }))).status).to.equal(200);
        expect((await storedMessage(app, id)).status, 'not known by its id yet').to.equal('pending');
        await waitFor(() => statusOf(statuses, id, 'delivered'), 8000, 'the early status applied');
        expect(await storedMessage(app, id)).to.include({ status: 'delivered', externalMessageId: wamid });
      });

      it('shows a failed status from a later webhook (24-hour window, undeliverable) with WhatsApp\'s reason', async () => {
        const { agent, conversationId, from, statuses } = await customerReachesAgent();
        const late = await agentReply(agent.socket, conversationId, { text: 'Are you still there?' });
        const gone = await agentReply(agent.socket, conversationId, { text: 'Hello?' });
        await waitFor(() => statusOf(statuses, late, 'sent') && statusOf(statuses, gone, 'sent'));
        const body = waBody(PHONE_ID, { statuses: [
          waStatus(await wamidOf(late), 'failed', from, [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: WINDOW_CLOSED }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }]),
          waStatus(await wamidOf(gone), 'failed', from, [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' } }]),
        ] });
        expect((await post(body)).status).to.equal(200);
        await waitFor(() => statusOf(statuses, late, 'failed') && statusOf(statuses, gone, 'failed'));
        expect(statusOf(statuses, late, 'failed').error).to.equal(`WhatsApp: (#131047) Re-engagement message: ${WINDOW_CLOSED}`);
        expect(statusOf(statuses, gone, 'failed').error).to.equal('WhatsApp: (#131026) Message undeliverable: Message Undeliverable.');
        expect(await storedMessage(app, late)).to.include({ status: 'failed', error: `WhatsApp: (#131047) Re-engagement message: ${WINDOW_CLOSED}` });
        // Redelivered, the same statuses change nothing and are still acknowledged.
        expect((await post(body)).status).to.equal(200);
        expect((await storedMessage(app, gone)).status).to.equal('failed');
      });

      it('fails at once when the send call itself refuses the 24-hour window, with WhatsApp\'s reason', async () => {
        const { agent, conversationId, from, statuses } = await customerReachesAgent();
        fake.closedWindow.add(from);
        const id = await agentReply(agent.socket, conversationId, { text: 'Following up on your order' });
        await waitFor(() => statusOf(statuses, id, 'failed'));
        expect(statusOf(statuses, id, 'failed').error).to.equal(`WhatsApp answered 400: (#131047) Re-engagement message: ${WINDOW_CLOSED}`);
        expect(fake.to('POST', MESSAGES).filter(bodyIncludes('Following up'))).to.have.length(1);
      });

      it('reaches a customer past the 24-hour window with an approved template, and says why an unknown one fails', async () => {
        const { agent, conversationId, from, statuses } = await customerReachesAgent();
        fake.closedWindow.add(from);
        const template = { name: 'callback_offer', language: 'en_US', parameters: ['Ada', 'tomorrow at 10:00'] };
        const ack = await emitAck(agent.socket, 'message:send', { conversationId, template, clientMessageId: randomUUID() });
        expect(ack.ok, JSON.stringify(ack)).to.equal(true);
        expect(ack.message).to.include({ text: '[WhatsApp template callback_offer (en_US): Ada | tomorrow at 10:00]', status: 'pending' });
        expect(ack.message.template).to.deep.equal(template);
        await waitFor(() => statusOf(statuses, ack.message.id, 'sent'));
        const [req] = fake.to('POST', MESSAGES).filter(bodyIncludes('callback_offer'));
        expect(req.json()).to.deep.equal({
          messaging_product: 'whatsapp', recipient_type: 'individual', to: from, type: 'template',
          template: { name: 'callback_offer', language: { policy: 'deterministic', code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: 'tomorrow at 10:00' }] }] },
        });
        expect(await wamidOf(ack.message.id)).to.equal(fake.accepted.at(-1)!.wamid);

        const unknown = await emitAck(agent.socket, 'message:send', { conversationId, template: { name: 'no_such_template', language: 'en_US' }, clientMessageId: randomUUID() });
        await waitFor(() => statusOf(statuses, unknown.message.id, 'failed'));
        expect(statusOf(statuses, unknown.message.id, 'failed').error).to.match(/132001.*does not exist/);
      });

      it('refuses a template with text beside it, a malformed name or language, and stores nothing', async () => {
        const { agent, conversationId } = await customerReachesAgent();
        const before = (await storedMessages(app, ch.id, 'out')).length;
        for (const bad of [
          { template: { name: 'callback_offer', language: 'en_US' }, text: 'and some text' },
          { template: { name: 'Callback Offer', language: 'en_US' } },
          { template: { name: 'callback_offer', language: 'English' } },
          { template: { name: 'callback_offer', language: 'en_US', parameters: [''] } },
          { template: { name: 'callback_offer', language: 'en_US', extra: 1 } },
        ]) {
          const ack = await emitAck(agent.socket, 'message:send', { conversationId, ...bad, clientMessageId: randomUUID() });
          expect(ack, JSON.stringify(bad)).to.deep.include({ ok: false });
          expect(ack.error.code, JSON.stringify(bad)).to.equal('validation_failed');
        }
        expect(await storedMessages(app, ch.id, 'out')).to.have.length(before);
      });

      it('retries rate limits, server errors and timeouts, waits as Retry-After says, then sends once', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const text = 'Sorry for the wait.';
        fake.failWhere('POST', MESSAGES, bodyIncludes(text),
          graphError(400, 130429, 'Rate limit hit', 'Cloud API message throughput has been reached.'),
          graphError(500, 131000, 'Something went wrong'),
          graphError(503, 131016, 'Service unavailable'),
          'timeout',
          graphError(429, 131056, '(Business Account, Consumer Account) pair rate limit hit', undefined, { 'retry-after': '1' }));
        const id = await agentReply(agent.socket, conversationId, { text });
        await waitFor(() => statusOf(statuses, id, 'sent'), 20_000, 'sent after retries');
        const tries = fake.to('POST', MESSAGES).filter(bodyIncludes(text));
        expect(tries).to.have.length(6);
        expect(receivedAt(tries[5]) - receivedAt(tries[4])).to.be.at.least(900);
        expect(fake.sendsWith(text)).to.have.length(1);
        expect((await storedMessage(app, id)).externalMessageId).to.equal(fake.sendsWith(text)[0].wamid);
      });

      it('reads Graph error codes: token, recipient and request errors are permanent, throttling and outages are not', async () => {
        // A channel on another Graph version: the version is in every path.
        const base = (await channelRuntime(app.ctx, ch.id))!;
        const rt: ChannelRuntime = { ...base, config: { ...base.config, apiVersion: 'v23.0' } };
        const path = `/v23.0/${PHONE_ID}/messages`;
        const msg = { messageId: randomUUID(), conversationId: 'c', channelId: ch.id, tenantId: 't', externalUserId: '16505551234', customerId: 'u', content: { type: 'text', text: 'hi' }, view: {} } as unknown as OutboundMessage;
        const cases: [FakeAnswer, boolean][] = [
          [graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token'), true],
          [graphError(400, 131030, 'Recipient phone number not in allowed list', 'Recipient phone number not in allowed list'), true],
          [graphError(400, 100, 'Invalid parameter', 'Param text[\'body\'] is required'), true],
          [graphError(500, 3, 'Capability or permissions issue'), true],
          [graphError(400, 131026, 'Message undeliverable'), true],
          [graphError(400, 999_999, 'A code newer than this adapter'), true],
          [graphError(429, 4, 'Application request limit reached'), false],
          [graphError(400, 80007, 'Rate limit issues'), false],
          [graphError(400, 131056, '(Business Account, Consumer Account) pair rate limit hit'), false],
          [graphError(400, 1, 'An unknown error occurred'), false],
          [graphError(503, 2, 'Service temporarily unavailable'), false],
          [graphError(502, 999_998, 'A code newer than this adapter'), false],
          [{ status: 502, body: '<html>Bad gateway</html>' }, false],
        ];
        for (const [answer, permanent] of cases) {
          fake.failNext('POST', path, answer);
          const err: SendError = await adapterFor('whatsapp')!.send(app.ctx, rt, msg).then(() => { throw new Error('sent'); }, (e) => e);
          const code = (answer.body as any)?.error?.code;
          expect(err.permanent, `${code ?? answer.status}: ${err.message}`).to.equal(permanent);
          if (code !== undefined) expect(err.message.match(new RegExp(`\\(#${code}\\)`, 'g')), err.message).to.have.length(1);
        }
        const sent = await adapterFor('whatsapp')!.send(app.ctx, rt, msg);
        expect(sent.externalMessageId).to.equal(fake.sendsWith('hi')[0].wamid);
        expect(fake.to('POST', path)).to.have.length(cases.length + 1);
      });

      it('sends pictures, documents and voice notes by their signed link, and refuses what WhatsApp cannot take', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const photo = await agentUpload(app, await files.jpeg(320, 240), 'label.jpg');
        const id1 = await agentReply(agent.socket, conversationId, { text: 'This is the label', mediaId: photo });
        const doc = await agentUpload(app, files.pdf(5000), 'contract.pdf');
        const id2 = await agentReply(agent.socket, conversationId, { mediaId: doc });
        const note = await agentUpload(app, files.oggOpus(8000), 'note.ogg');
        const id3 = await agentReply(agent.socket, conversationId, { mediaId: note });
        await waitFor(() => statusOf(statuses, id1, 'sent') && statusOf(statuses, id2, 'sent') && statusOf(statuses, id3, 'sent'), 10_000);
        const image = fake.accepted.find((a) => a.body.type === 'image')!.body;
        expect(image.image.caption).to.equal('This is the label');
        expect(image.image.link).to.match(/^http:\/\/.*\/media\/signed\//);
        expect(fake.accepted.find((a) => a.body.type === 'document')!.body.document).to.include({ filename: 'contract.pdf' });
        expect(fake.accepted.find((a) => a.body.type === 'audio')!.body.audio).to.include({ voice: true });
        // A WebP picture over WhatsApp's 500 KB sticker limit fails before any call.
        const big = await agentUpload(app, await files.webp(1400, 1400), 'huge.webp');
        const id4 = await agentReply(agent.socket, conversationId, { mediaId: big });
        await waitFor(() => statusOf(statuses, id4, 'failed'));
        expect(statusOf(statuses, id4, 'failed').error).to.match(/WhatsApp takes stickers of at most 500 KB/);
      });

      it('downloads what a customer sent in two steps with the access token, and stores it for the agent', async () => {
        const jpeg = await files.jpeg(200, 150);
        fake.media.set('1479537139650973', { bytes: jpeg, mimeType: 'image/jpeg' });
        const { agent, from } = await customerReachesAgent();
        const updated = once(agent.socket, 'message:updated', (p: any) => p.message.media?.[0] && !p.message.media[0].pending, 10_000);
        expect((await post(waBody(PHONE_ID, { messages: [waMessage('image', from)] }))).status).to.equal(200);
        const shown = (await updated).message.media[0];
        expect(shown).to.include({ mimeType: 'image/jpeg', size: jpeg.length, caption: 'the broken box' });
        expect(shown.unavailable, shown.error).to.not.equal(true);
        const [info] = fake.to('GET', '/v21.0/1479537139650973');
        expect(info.headers.authorization).to.equal(`Bearer ${TOKEN}`);
        expect(info.query.has('phone_number_id'), 'no phone_number_id filter for customer media').to.equal(false);
        const [bytes] = fake.to('GET', '/whatsapp_business/attachments/');
        expect(bytes.headers.authorization).to.equal(`Bearer ${TOKEN}`);
        expect(bytes.query.get('mid')).to.equal('1479537139650973');

        // Directly: a declared size as a string, an unknown id (permanent), a Graph outage (transient).
        fake.media.set('55', { bytes: Buffer.from('%PDF-1.4 tiny'), mimeType: 'application/pdf', fileSizeAsString: true });
        const rt = (await channelRuntime(app.ctx, ch.id))!;
        const fetchMedia = adapterFor('whatsapp')!.fetchMedia!;
        const got = await fetchMedia(app.ctx, rt, { platformRef: '55' });
        expect(got).to.include({ mimeType: 'application/pdf', size: 13 });
        expect(await bodyText(got.body)).to.equal('%PDF-1.4 tiny');
        expect(await fetchMedia(app.ctx, rt, { platformRef: '404404' }).catch((e) => e)).to.include({ permanent: true });
        fake.failNext('GET', '/v21.0/55', graphError(500, 131000, 'Something went wrong'));
        expect(await fetchMedia(app.ctx, rt, { platformRef: '55' }).catch((e) => e)).to.include({ permanent: false });
        const wrongToken = { ...rt, config: { ...rt.config, accessToken: 'EAAGrevoked-token-0000' } };
        const refused = await fetchMedia(app.ctx, wrongToken, { platformRef: '55' }).catch((e) => e);
        expect(refused).to.include({ permanent: true });
        expect(refused.message).to.match(/\(#190\)/);
      });
    });
  });
}
