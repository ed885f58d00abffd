// Twilio SMS/MMS adapter over real HTTP: form webhooks signed over URL + sorted fields, empty
// TwiML answers, status callbacks, and the Messages resource out to a fake Twilio API.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { channelRuntime } from '../../../gateway/index.js';
import { adapterFor } from '../../../gateway/registry.js';
import { twilioSignature as ourSignature } from '../../../gateway/adapters/twilio_sms/inbound.js';
import type { ServiceName } from '../../../shared/config.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, agentReply, bodyText, createChannel, customerReachesAgent as reachAgent, postWebhook, receivedAt, statusOf, storedMessage, storedMessages, tearDown, waitFor, type CreatedChannel } from '../../helpers/gateway.js';
import type { AnySocket } from '../../helpers/sockets.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { FakeTwilioServer } from '../../fakes/twilio-server.js';
import { TWILIO_WEBHOOKS, twilioSignature } from '../../fixtures/twilio_sms/signing.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH = 'twilio-auth-token-0123456789';
const OUR_NUMBER = '+15557654321';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const sid = (prefix = 'SM') => `${prefix}${randomBytes(16).toString('hex')}`;

describe('Twilio request signatures', () => {
  it('match the example Twilio documents', () => {
    const params: [string, string][] = [['CallSid', 'CA1234567890ABCDE'], ['Caller', '+12349013030'], ['Digits', '1234'], ['From', '+12349013030'], ['To', '+18005551212']];
    expect(ourSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).to.equal('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });
});

for (const db of DB_KINDS) {
  describe(`Twilio SMS adapter (${db})`, function () {
    let app: TestApp;
    let fake: FakeTwilioServer;
    let ch: CreatedChannel;
    const sockets: AnySocket[] = [];

    async function start(services?: ServiceName[]) {
      app = await startTestApp({ db, services });
      fake = await new FakeTwilioServer(SID, AUTH).start();
      ch = await createChannel(app, 'twilio_sms', { accountSid: SID, authToken: AUTH, fromNumber: OUR_NUMBER, apiBaseUrl: fake.url, timeoutMs: 1000 });
    }
    afterEach(() => tearDown(sockets, fake, app));

    /** Posts form fields to our webhook, signed as Twilio signs them (for `url`, by default ours). */
    function post(fields: Record<string, string>, o: { url?: string; token?: string; headers?: Record<string, string> } = {}) {
      const form = new URLSearchParams(fields);
      const signature = twilioSignature(o.token ?? AUTH, o.url ?? ch.webhookUrl, form);
      return postWebhook(app, ch.path, form.toString(), { ...FORM, 'x-twilio-signature': signature, ...o.headers });
    }
    const sms = (over: Record<string, string> = {}) => {
      const s = sid();
      return { ...TWILIO_WEBHOOKS.sms, MessageSid: s, SmsSid: s, SmsMessageSid: s, ...over };
    };
    const status = (messageSid: string, messageStatus: string, over: Record<string, string> = {}) =>
      ({ ...TWILIO_WEBHOOKS.status, MessageSid: messageSid, SmsSid: messageSid, MessageStatus: messageStatus, SmsStatus: messageStatus, ...over });

    describe('inbound', () => {
      beforeEach(() => start(WITHOUT_MEDIA_FETCH));

      it('stores an SMS and an MMS with its media, each answered with empty TwiML', async () => {
        const one = await post(sms());
        expect(one.status).to.equal(200);
        expect(one.headers.get('content-type')).to.match(/^text\/xml/);
        expect(one.body).to.equal(TWIML);
        const mmsSid = sid('MM');
        const mms = { ...TWILIO_WEBHOOKS.mms, MessageSid: mmsSid, MediaUrl0: fake.mediaUrl(mmsSid, 'ME1'), MediaUrl1: fake.mediaUrl(mmsSid, 'ME2') };
        expect((await post(mms)).status).to.equal(200);
        const [text, media] = await storedMessages(app, ch.id);
        expect(text).to.include({ type: 'text', text: 'Hi, where is my order? 🚚' });
        expect(media).to.include({ type: 'image', text: 'Photos of the damage', externalMessageId: mmsSid });
        expect(media.content?.media?.map((m) => [m.mimeType, m.url])).to.deep.equal([['image/jpeg', mms.MediaUrl0], ['video/mp4', mms.MediaUrl1]]);
        expect(text.conversationId).to.equal(media.conversationId);
      });

      it('stores a WhatsApp location sent through Twilio, with the sender\'s profile name', async () => {
        expect((await post({ ...TWILIO_WEBHOOKS.whatsappLocation, MessageSid: sid() })).status).to.equal(200);
        const [m] = await storedMessages(app, ch.id);
        expect(m.type).to.equal('location');
        expect(m.content?.location).to.deep.equal({ latitude: 38.7223, longitude: -9.1393, name: 'Lisbon office' });
        const admin = await app.login('admin@demo.local');
        const c = await app.api('GET', `/api/v1/conversations/${m.conversationId}`, { token: admin });
        expect(c.body.customer).to.include({ displayName: 'Ana Pereira', externalUserId: 'whatsapp:+15551234567' });
      });

      it('stores a message Twilio delivered twice once, also when the copies arrive together', async () => {
        const fields = sms();
        const results = await Promise.all([post(fields), post(fields), post(fields)]);
        expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect(await storedMessages(app, ch.id)).to.have.length(1);
      });

      it('refuses a forged or missing signature, or one made for another URL, with 401', async () => {
        expect((await post(sms(), { token: 'wrong-token-wrong' })).status).to.equal(401);
        expect((await post(sms(), { url: 'https://attacker.example/webhooks/x' })).status).to.equal(401);
        expect((await post(sms(), { headers: { 'x-twilio-signature': '' } })).status).to.equal(401);
        const fields = sms();
        const signed = twilioSignature(AUTH, ch.webhookUrl, new URLSearchParams(fields));
        const tampered = new URLSearchParams({ ...fields, Body: 'changed' }).toString();
        expect((await postWebhook(app, ch.path, tampered, { ...FORM, 'x-twilio-signature': signed })).status).to.equal(401);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('refuses hostile bodies with 400, 413 or 415 and stores nothing', async () => {
        expect((await post(sms({ NumMedia: 'lots' }))).status).to.equal(400);
        expect((await post(sms({ NumMedia: '1' }))).status).to.equal(400); // no MediaUrl0
        expect((await post({ From: '+15551234567', Body: 'no sid' })).status).to.equal(400);
        const badUtf8 = `MessageSid=${sid()}&From=%2B1555&Body=%FF%FE`;
        const sig = twilioSignature(AUTH, ch.webhookUrl, new URLSearchParams(badUtf8));
        expect((await postWebhook(app, ch.path, badUtf8, { ...FORM, 'x-twilio-signature': sig })).status).to.equal(400);
        const json = JSON.stringify(sms());
        const jsonSig = twilioSignature(AUTH, ch.webhookUrl, new URLSearchParams());
        expect((await postWebhook(app, ch.path, json, { 'content-type': 'application/json', 'x-twilio-signature': jsonSig })).status).to.equal(415);
        expect((await post(sms({ Body: 'x'.repeat(1_100_000) }))).status).to.equal(413);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });
    });

    describe('outbound', () => {
      beforeEach(() => start());
      const MESSAGES = `/2010-04-01/Accounts/${SID}/Messages.json`;

      /** A customer texts from `from`, agent1 gets the conversation. */
      const customerReachesAgent = (from = '+15551234567') =>
        reachAgent(app, sockets, { platform: 'twilio_sms', channelId: ch.id, sendInbound: () => post(sms({ From: from })) });
      // The bot may also write to the customer meanwhile, so checks are keyed on the reply's id and text.
      const sendsOf = (text: string) => fake.to('POST', MESSAGES).filter((r) => r.form().get('Body') === text);

      it('sends the agent\'s reply by SMS and follows its status callbacks to read, never backwards', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const id = await agentReply(agent.socket, conversationId, { text: 'Your order ships tomorrow.' });
        await waitFor(() => statusOf(statuses, id, 'sent'));
        const [create] = sendsOf('Your order ships tomorrow.');
        expect(Object.fromEntries(create.form())).to.deep.equal({ To: '+15551234567', From: OUR_NUMBER, Body: 'Your order ships tomorrow.', StatusCallback: ch.webhookUrl });
        const out = await storedMessage(app, id);
        expect(out.externalMessageId).to.match(/^SM[0-9a-f]{32}$/);

        for (const st of ['queued', 'sent', 'delivered', 'read', 'delivered']) {
          const r = await post(status(out.externalMessageId!, st));
          expect(r.status).to.equal(200);
          expect(r.body).to.equal(TWIML);
        }
        await waitFor(() => statusOf(statuses, id, 'read'));
        expect(statuses.filter((s) => s.messageId === id).map((s) => s.status)).to.deep.equal(['sent', 'delivered', 'read']);
        expect((await storedMessage(app, id)).status).to.equal('read');
      });

      it('marks a message undelivered by the carrier as failed, with Twilio\'s reason', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const id = await agentReply(agent.socket, conversationId, { text: 'Are you there?' });
        await waitFor(() => statusOf(statuses, id, 'sent'));
        const out = await storedMessage(app, id);
        expect((await post(status(out.externalMessageId!, 'undelivered', { ErrorCode: '30003' }))).status).to.equal(200);
        await waitFor(() => statusOf(statuses, id, 'failed'));
        expect(statusOf(statuses, id, 'failed').error).to.equal('Twilio error 30003: the recipient\'s handset is unreachable');
        expect((await storedMessage(app, id)).status).to.equal('failed');
      });

      it('fails at once on an invalid number (21211) and shows Twilio\'s reason to the agent', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent('+12');
        const id = await agentReply(agent.socket, conversationId, { text: 'Hello?' });
        await waitFor(() => statusOf(statuses, id, 'failed'));
        expect(statusOf(statuses, id, 'failed').error).to.match(/Twilio answered 400: Twilio error 21211: the recipient's number is not a valid phone number/);
        expect(sendsOf('Hello?')).to.have.length(1);
      });

      it('waits as long as Retry-After says after a 429, then sends', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        fake.failWhere('POST', MESSAGES, (r) => r.form().get('Body') === 'after a pause', { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 }, headers: { 'retry-after': '1' } });
        const id = await agentReply(agent.socket, conversationId, { text: 'after a pause' });
        await waitFor(() => statusOf(statuses, id, 'sent'), 15000, 'sent after 429');
        const [first, second] = sendsOf('after a pause');
        expect(receivedAt(second) - receivedAt(first)).to.be.at.least(900);
      });

      it('downloads MMS media with the account credentials, and only from the Twilio API host', async () => {
        fake.media.set('ME1', { bytes: Buffer.from('GIF89a'), mimeType: 'image/gif' });
        const rt = (await channelRuntime(app.ctx, ch.id))!;
        const fetchMedia = adapterFor('twilio_sms')!.fetchMedia!;
        const got = await fetchMedia(app.ctx, rt, { url: fake.mediaUrl('MM1', 'ME1'), platformRef: fake.mediaUrl('MM1', 'ME1') });
        expect([got.mimeType, await bodyText(got.body)]).to.deep.equal(['image/gif', 'GIF89a']);
        const off = await fetchMedia(app.ctx, rt, { platformRef: 'http://169.254.169.254/latest/meta-data' }).catch((e) => e);
        expect(off).to.include({ permanent: true });
        expect(off.message).to.match(/not the Twilio API host/);
      });
    });
  });
}
