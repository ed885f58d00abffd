// Messenger adapter over real HTTP: Meta's handshake, signed page webhooks (every message kind,
// postbacks, echoes, delivery and read watermarks, other pages, redeliveries, hostile bodies),
// the Send API of a fake Graph API (text, attachments by link, the 24-hour window and the
// HUMAN_AGENT tag, retries, refusals) and attachments fetched from the CDN into our store.
import { expect } from 'chai';
import type { ServiceName } from '../../../shared/config.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, agentReply, agentUpload, bodyIncludes, createChannel, customerReachesAgent as reachAgent, postWebhook, statusOf, storedMessage, storedMessages, tearDown, waitFor, type CreatedChannel } from '../../helpers/gateway.js';
import { once, type AnySocket } from '../../helpers/sockets.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import type { ChannelRuntime } from '../../../gateway/adapter.js';
import { parseMessenger } from '../../../gateway/adapters/messenger/inbound.js';
import { readMessengerError } from '../../../gateway/adapters/messenger/outbound.js';
import { FakeMessengerServer, metaError } from '../../fakes/messenger-server.js';
import { fbBody, fbEvent, metaSignature } from '../../fixtures/messenger/signing.js';
import * as files from '../../media-server/media-fixtures.js';

const TOKEN = 'EAAGmessenger-page-access-token';
const APP_SECRET = 'messenger-app-secret-0123456789';
const VERIFY = 'messenger-verify-token-42';
const PAGE_ID = '107008511234567';
const JSON_TYPE = { 'content-type': 'application/json' };
const SEND = `/v21.0/${PAGE_ID}/messages`;

let people = 6_100_000_000_000_000;
const freshPsid = () => String(++people);

describe('Messenger Graph API errors', () => {
  it('reads Graph API errors: refusals for good, rate limits and temporary failures to retry', () => {
    const err = (code: number, subcode?: number, status = 400) => readMessengerError(status, { error: { message: 'm', type: 'OAuthException', code, error_subcode: subcode, fbtrace_id: 'x' } });
    for (const [code, sub] of [[551, 1545041], [10, 2018278], [100, 2018001], [190, undefined], [200, undefined]] as const) expect(err(code, sub).permanent, `#${code}`).to.equal(true);
    for (const code of [613, 4, 32, 1200, 2, 1]) expect(err(code).permanent, `#${code}`).to.equal(false);
    expect(err(100, 2018001, 500).permanent).to.equal(false);
    expect(err(10, 2018278).reason).to.equal('(#10/2018278) m');
    expect(readMessengerError(502, '<html>Bad Gateway</html>')).to.deep.equal({});
  });
});

for (const db of DB_KINDS) {
  describe(`Messenger adapter (${db})`, function () {
    let app: TestApp;
    let fake: FakeMessengerServer;
    let ch: CreatedChannel;
    const sockets: AnySocket[] = [];

    const post = (body: string, headers: Record<string, string> = {}) =>
      postWebhook(app, ch.path, body, { ...JSON_TYPE, 'x-hub-signature-256': metaSignature(APP_SECRET, body), ...headers });

    async function start(services?: ServiceName[], config: Record<string, unknown> = {}) {
      app = await startTestApp({ db, services });
      fake = await new FakeMessengerServer(TOKEN, PAGE_ID).start();
      ch = await createChannel(app, 'messenger', { pageId: PAGE_ID, pageAccessToken: TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY, apiBaseUrl: fake.url, timeoutMs: 1000, ...config });
    }
    afterEach(() => tearDown(sockets, fake, app));

    describe('inbound', () => {
      beforeEach(() => start(WITHOUT_MEDIA_FETCH));

      it('answers Meta\'s verification request with the challenge, and only with the right token', async () => {
        const ok = await fetch(`${app.url}${ch.path}?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=CHALLENGE_ACCEPTED`);
        expect([ok.status, await ok.text()]).to.deep.equal([200, 'CHALLENGE_ACCEPTED']);
        expect((await fetch(`${app.url}${ch.path}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).to.equal(403);
      });

      it('stores every kind of customer message of a batch, in order', async () => {
        const psid = freshPsid();
        const kinds = ['text', 'image', 'audio', 'video', 'file', 'sticker', 'stickerOnly', 'location', 'fallback', 'unsupported', 'quickReply', 'replyTo', 'postback', 'reaction'];
        const events = kinds.map((k) => fbEvent(k, psid, PAGE_ID));
        // Meta batches several entries, each with events: split over two entries here.
        const body = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging: events.slice(0, 6) }, { id: PAGE_ID, time: Date.now(), messaging: events.slice(6) }] });
        expect((await post(body)).status).to.equal(200);
        const stored = await storedMessages(app, ch.id);
        expect(stored.map((m) => m.type)).to.deep.equal(['text', 'image', 'audio', 'video', 'file', 'sticker', 'sticker', 'location', 'text', 'text', 'interactive', 'text', 'interactive', 'text']);
        const by = Object.fromEntries(kinds.map((k, i) => [k, stored[i]]));
        expect(by.text.externalMessageId).to.equal(events[0].message.mid);
        expect(by.image.content?.media?.map((x) => x.url)).to.deep.equal(['https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg', 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo2.jpg']);
        expect(by.file.content?.media?.[0].url).to.match(/invoice\.pdf$/);
        expect(by.sticker.content?.payload).to.equal('369239263222822');
        expect(by.sticker.content?.media?.map((x) => x.url)).to.deep.equal(['https://scontent.xx.fbcdn.net/v/t1.15752-9/thumbsup.png']);
        expect(by.stickerOnly.content?.payload).to.equal('767226160478561');
        expect(by.stickerOnly.content?.media?.map((x) => x.url)).to.deep.equal(['https://scontent.xx.fbcdn.net/v/t1.15752-9/wave.png']);
        expect(by.unsupported.text).to.equal('[Messenger fallback]');
        expect(by.location.content?.location).to.deep.equal({ latitude: 48.858093, longitude: 2.294694, name: 'Pinned Location' });
        expect(by.fallback.text).to.equal('look at this\nTracking page\nhttps://example.com/track/1234');
        expect(by.quickReply.content?.payload).to.equal('COLOR_RED');
        expect(by.replyTo.content?.replyToExternalId).to.equal('m_earlier_message_id');
        expect(by.postback).to.include({ text: 'Talk to a person' });
        expect(by.postback.content?.payload).to.equal('HUMAN');
        expect(by.reaction.text).to.equal('Reacted ❤');
        expect(new Set(stored.map((m) => m.conversationId)).size).to.equal(1);
      });

      it('passes on echoes of our page, referrals, opt-ins, edits, unsends, handovers, standby and other pages\' events without storing them', async () => {
        const psid = freshPsid();
        const kinds = ['echo', 'referral', 'optin', 'edit', 'unsent', 'handover'];
        const standby = fbEvent('text', psid, PAGE_ID);
        const body = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging: kinds.map((k) => fbEvent(k, psid, PAGE_ID)), standby: [standby] }] });
        expect((await post(body)).status).to.equal(200);
        expect((await post(fbBody('999999999', fbEvent('text', psid, '999999999')))).status).to.equal(200);
        expect(await storedMessages(app, ch.id)).to.have.length(0);

        // What the switch is handed, in order: events (no message) with their names and keys.
        const rt = { channel: { id: ch.id }, config: { pageId: PAGE_ID, pageAccessToken: TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY }, webhookUrl: '' } as unknown as ChannelRuntime;
        const events = parseMessenger({ method: 'POST', headers: { 'content-type': 'application/json' }, query: {}, rawBody: Buffer.from(body) }, rt);
        expect(events.map((e) => [e.kind, e.event?.name, e.externalUserId])).to.deep.equal([
          ['event', 'echo', psid], ['event', 'referral', psid], ['event', 'optin', psid], ['event', 'edited', psid],
          ['event', 'unsent', psid], ['event', 'pass_thread_control', psid], ['event', 'standby', psid],
        ]);
        expect(events[4].externalMessageId).to.equal('unsent:m_earlier_message_id');
        expect(events[6]).to.deep.include({ externalMessageId: `standby:${standby.message.mid}` });
        expect(events[6].event?.payload).to.equal('message');
      });

      it('stores a redelivered message once, also when copies arrive at the same moment', async () => {
        const body = fbBody(PAGE_ID, fbEvent('text', freshPsid(), PAGE_ID));
        const results = await Promise.all([post(body), post(body), post(body)]);
        expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect(await storedMessages(app, ch.id)).to.have.length(1);
      });

      it('refuses a forged or missing signature with 401, and hostile bodies with 400, 413 or 415', async () => {
        const psid = freshPsid();
        const body = fbBody(PAGE_ID, fbEvent('text', psid, PAGE_ID));
        expect((await post(body, { 'x-hub-signature-256': metaSignature('other-app', body) })).status).to.equal(401);
        expect((await postWebhook(app, ch.path, body, JSON_TYPE)).status).to.equal(401);
        const deep = '{"object":"page","entry":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
        const badTypes = fbBody(PAGE_ID, { ...fbEvent('text', psid, PAGE_ID), timestamp: 'now' });
        const noSender = fbBody(PAGE_ID, { ...fbEvent('text', psid, PAGE_ID), sender: undefined });
        for (const b of ['{"object":', 'null', deep, badTypes, noSender, JSON.stringify({ object: 'instagram', entry: [] })]) expect((await post(b)).status, b.slice(0, 50)).to.equal(400);
        expect((await post(body, { 'content-type': 'application/x-www-form-urlencoded' })).status).to.equal(415);
        const huge = fbBody(PAGE_ID, { ...fbEvent('text', psid, PAGE_ID), message: { mid: 'm_x', text: 'x'.repeat(1_100_000) } });
        expect((await post(huge)).status).to.equal(413);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });
    });

    describe('outbound', () => {
      /** A Messenger customer writes, agent1 gets the conversation. */
      async function customerReachesAgent(psid = freshPsid()) {
        const reached = await reachAgent(app, sockets, { platform: 'messenger', channelId: ch.id, sendInbound: () => post(fbBody(PAGE_ID, fbEvent('text', psid, PAGE_ID))) });
        return { ...reached, psid };
      }

      describe('with standard messaging', () => {
        beforeEach(() => start());

        it('takes a customer to an agent and the reply back, then to delivered and read by watermark', async () => {
          const { agent, conversationId, psid, statuses } = await customerReachesAgent();
          const id1 = await agentReply(agent.socket, conversationId, { text: 'Your parcel leaves today.' });
          const id2 = await agentReply(agent.socket, conversationId, { text: 'Anything else?' });
          await waitFor(() => statusOf(statuses, id1, 'sent') && statusOf(statuses, id2, 'sent'));
          const [req] = fake.to('POST', SEND).filter(bodyIncludes('Your parcel leaves today.'));
          expect(req.query.get('access_token')).to.equal(TOKEN);
          expect(req.json()).to.deep.equal({ recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Your parcel leaves today.' } });
          const mid1 = (await storedMessage(app, id1)).externalMessageId!;
          expect(mid1).to.equal(fake.sendsWith('Your parcel leaves today.')[0].mid);

          // Delivery names the first by mid; a read watermark covers both.
          expect((await post(fbBody(PAGE_ID, fbEvent('delivery', psid, PAGE_ID, { mid: mid1 })))).status).to.equal(200);
          await waitFor(() => statusOf(statuses, id1, 'delivered'));
          expect(statusOf(statuses, id2, 'delivered')).to.equal(undefined);
          // A delivery without mids: everything up to its watermark.
          expect((await post(fbBody(PAGE_ID, fbEvent('delivery', psid, PAGE_ID, { watermark: Date.now() + 1000 })))).status).to.equal(200);
          await waitFor(() => statusOf(statuses, id2, 'delivered'));

          // A read watermark covers what was sent before it, not a reply sent after it.
          const watermark = Date.now();
          await new Promise((r) => setTimeout(r, 20));
          const id3 = await agentReply(agent.socket, conversationId, { text: 'One more thing.' });
          await waitFor(() => statusOf(statuses, id3, 'sent'));
          expect((await post(fbBody(PAGE_ID, fbEvent('read', psid, PAGE_ID, { watermark })))).status).to.equal(200);
          await waitFor(() => statusOf(statuses, id1, 'read') && statusOf(statuses, id2, 'read'));
          expect((await storedMessage(app, id2)).status).to.equal('read');
          expect((await storedMessage(app, id3)).status).to.equal('sent');
        });

        it('fails outside the 24-hour window without the human agent tag, and when the person is unavailable', async () => {
          const { agent, conversationId, psid, statuses } = await customerReachesAgent();
          fake.outsideWindow.add(psid);
          const id = await agentReply(agent.socket, conversationId, { text: 'Following up on your order' });
          await waitFor(() => statusOf(statuses, id, 'failed'));
          expect(statusOf(statuses, id, 'failed').error).to.match(/Messenger answered 400: \(#10\/2018278\).*outside of allowed window/);
          fake.unavailable.add(psid);
          const id2 = await agentReply(agent.socket, conversationId, { text: 'Hello?' });
          await waitFor(() => statusOf(statuses, id2, 'failed'));
          expect(statusOf(statuses, id2, 'failed').error).to.match(/\(#551\/1545041\) This person isn't available/);
          expect(fake.to('POST', SEND).filter(bodyIncludes('Hello?'))).to.have.length(1);
        });

        it('retries rate limits and server errors, then sends once', async () => {
          const { agent, conversationId, statuses } = await customerReachesAgent();
          const text = 'Sorry for the wait.';
          fake.failWhere('POST', SEND, bodyIncludes(text), metaError(400, 613, 'Calls to this api have exceeded the rate limit.'), { status: 503, body: 'Service Unavailable' });
          const id = await agentReply(agent.socket, conversationId, { text });
          await waitFor(() => statusOf(statuses, id, 'sent'), 15_000, 'sent after retries');
          expect(fake.to('POST', SEND).filter(bodyIncludes(text))).to.have.length(3);
          expect(fake.sendsWith(text)).to.have.length(1);
        });

        it('sends a picture by its signed link after the text, and fetches a customer\'s picture into our store', async () => {
          const { agent, conversationId, psid, statuses } = await customerReachesAgent();
          const label = await agentUpload(app, await files.jpeg(320, 240), 'label.jpg');
          const id = await agentReply(agent.socket, conversationId, { text: 'This is the label', mediaId: label });
          await waitFor(() => statusOf(statuses, id, 'sent'));
          const bodies = fake.accepted.filter((a) => a.body.recipient.id === psid).map((a) => a.body.message);
          expect(bodies[0]).to.deep.equal({ text: 'This is the label' });
          expect(bodies[1].attachment).to.deep.include({ type: 'image' });
          expect(bodies[1].attachment.payload.url).to.match(/\/media\/signed\//);

          const photo = await files.jpeg(200, 150);
          fake.cdn.set('photo.jpg', { bytes: photo, mimeType: 'image/jpeg' });
          const e = fbEvent('image', psid, PAGE_ID, { cdn: `${fake.url}/cdn` });
          e.message.attachments = e.message.attachments.slice(0, 1);
          const updated = once(agent.socket, 'message:updated', (p: any) => p.message.type === 'image', 10_000);
          expect((await post(fbBody(PAGE_ID, e))).status).to.equal(200);
          const { message } = await updated;
          expect(message.media[0]).to.include({ mimeType: 'image/jpeg', size: photo.length });
        });
      });

      describe('with the human agent tag', () => {
        beforeEach(() => start(undefined, { humanAgentTag: true }));

        it('answers after the 24-hour window with the HUMAN_AGENT tag', async () => {
          const { agent, conversationId, psid, statuses } = await customerReachesAgent();
          fake.outsideWindow.add(psid);
          const id = await agentReply(agent.socket, conversationId, { text: 'Following up on your order' });
          await waitFor(() => statusOf(statuses, id, 'sent'));
          const tries = fake.to('POST', SEND).filter(bodyIncludes('Following up')).map((r) => r.json());
          expect(tries.map((t) => [t.messaging_type, t.tag])).to.deep.equal([['RESPONSE', undefined], ['MESSAGE_TAG', 'HUMAN_AGENT']]);
        });
      });
    });
  });
}
