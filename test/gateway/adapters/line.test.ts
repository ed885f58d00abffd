// LINE adapter over real HTTP: signed batched webhooks in (every message type, events,
// redeliveries, hostile bodies), push API out to a fake LINE with retries and failures.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { channelRuntime } from '../../../gateway/index.js';
import { adapterFor } from '../../../gateway/registry.js';
import type { ServiceName } from '../../../shared/config.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, agentReply, bodyIncludes, bodyText, createChannel, customerReachesAgent as reachAgent, postWebhook, statusOf, storedMessage, storedMessages, tearDown, waitFor, type CreatedChannel } from '../../helpers/gateway.js';
import type { AnySocket } from '../../helpers/sockets.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { FakeLineServer } from '../../fakes/line-server.js';
import { LINE_EVENTS, lineBody, lineSignature } from '../../fixtures/line/signing.js';

const SECRET = 'line-channel-secret-0123456789';
const TOKEN = 'line-access-token-abcdef';
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** A fixture event for a fresh user (and fresh ids), so that tests never see each other's data. */
function event(name: string, userId = freshUser(), over: Record<string, unknown> = {}) {
  const e = structuredClone(LINE_EVENTS[name]);
  e.source.userId = userId;
  e.webhookEventId = randomUUID();
  if (e.message) e.message.id = String(Math.floor(Math.random() * 1e15));
  return Object.assign(e, over);
}
const freshUser = () => `U${randomUUID().replace(/-/g, '')}`;

for (const db of DB_KINDS) {
  describe(`LINE adapter (${db})`, function () {
    let app: TestApp;
    let fake: FakeLineServer;
    let ch: CreatedChannel;
    const sockets: AnySocket[] = [];

    const post = (body: string, headers: Record<string, string> = {}) =>
      postWebhook(app, ch.path, body, { ...JSON_TYPE, 'x-line-signature': lineSignature(SECRET, body), ...headers });

    async function start(services?: ServiceName[]) {
      app = await startTestApp({ db, services });
      fake = await new FakeLineServer(TOKEN).start();
      ch = await createChannel(app, 'line', { channelAccessToken: TOKEN, channelSecret: SECRET, apiBaseUrl: fake.url, timeoutMs: 1000 });
    }
    afterEach(() => tearDown(sockets, fake, app));

    describe('inbound', () => {
      beforeEach(() => start(WITHOUT_MEDIA_FETCH));

      it('stores every message type of a batch, in order', async () => {
        const user = freshUser();
        const names = ['text', 'image', 'video', 'audio', 'file', 'location', 'sticker', 'postback'];
        const events = names.map((n) => event(n, user));
        const res = await post(lineBody(...events));
        expect(res.status).to.equal(200);
        const stored = await storedMessages(app, ch.id);
        expect(stored.map((m) => m.type)).to.deep.equal(['text', 'image', 'video', 'audio', 'file', 'location', 'sticker', 'interactive']);
        expect(stored.map((m) => m.externalMessageId)).to.deep.equal(events.map((e) => e.message?.id ?? e.webhookEventId));
        expect(new Set(stored.map((m) => m.conversationId)).size).to.equal(1);
        const [text, image, video, audio, file, location, sticker, postback] = stored;
        expect(text.text).to.equal('Hello, my order has not arrived');
        expect(image.content?.media?.[0]).to.include({ platformRef: events[1].message.id, mimeType: 'image/jpeg' });
        expect(video.content?.media?.[0]).to.include({ url: 'https://example.com/original.mp4' });
        expect(audio.content?.media?.[0]).to.include({ platformRef: events[3].message.id });
        expect(file.content?.media?.[0]).to.include({ fileName: 'invoice.pdf', size: 2138 });
        expect(location.content?.location).to.deep.equal({ latitude: 35.67966, longitude: 139.73669, name: 'my location', address: '1-3 Kioicho, Chiyoda-ku, Tokyo, 102-8282, Japan' });
        expect(sticker.content?.payload).to.equal('11537/52002738');
        expect(sticker.text).to.equal('cony, sally, Staring');
        expect(postback).to.include({ text: 'action=buy&itemid=111' });
        expect(postback.content?.payload).to.equal('action=buy&itemid=111');
      });

      it('keeps a group chat as one conversation and records what a message quotes', async () => {
        const e = event('groupText');
        expect((await post(lineBody(e))).status).to.equal(200);
        const [m] = await storedMessages(app, ch.id);
        expect(m.content?.replyToExternalId).to.equal('444573844083572737');
        const customers = await app.api('GET', `/api/v1/conversations/${m.conversationId}`, { token: await app.login('admin@demo.local') });
        expect(customers.body.customer.externalUserId).to.equal('C4af4980629e6f3d6c1a2b3c4d5e6f708');
      });

      it('keeps a message type it does not know in text form', async () => {
        const e = event('text', freshUser(), {});
        e.message = { id: '998877', type: 'hologram' };
        expect((await post(lineBody(e))).status).to.equal(200);
        const [m] = await storedMessages(app, ch.id);
        expect(m).to.include({ type: 'text', text: '[LINE hologram message]' });
      });

      it('accepts follow, unfollow, join and unsend events without storing messages', async () => {
        const res = await post(lineBody(event('follow'), event('unfollow'), event('join'), event('unsend')));
        expect(res.status).to.equal(200);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('answers the console\'s verification request (no events) with 200', async () => {
        expect((await post(lineBody())).status).to.equal(200);
      });

      it('stores a redelivered event once, also when two copies arrive at the same moment', async () => {
        const e = event('text');
        const again = { ...e, deliveryContext: { isRedelivery: true } };
        const results = await Promise.all([post(lineBody(e)), post(lineBody(e)), post(lineBody(again))]);
        expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect(await storedMessages(app, ch.id)).to.have.length(1);
      });

      it('refuses a forged, missing or other channel\'s signature with 401 and stores nothing', async () => {
        const body = lineBody(event('text'));
        expect((await post(body, { 'x-line-signature': lineSignature('another-secret', body) })).status).to.equal(401);
        expect((await post(body, { 'x-line-signature': '' })).status).to.equal(401);
        const tampered = body.replace('Hello', 'Hellp');
        expect((await postWebhook(app, ch.path, tampered, { ...JSON_TYPE, 'x-line-signature': lineSignature(SECRET, body) })).status).to.equal(401);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('refuses hostile bodies with 400, 413 or 415 and stores nothing', async () => {
        const deep = '{"events":[],"x":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
        const wrongTypes = JSON.stringify({ events: [{ ...event('text'), timestamp: 'yesterday' }] });
        const badUtf8 = Buffer.concat([Buffer.from('{"events":[],"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
        const noMessage = lineBody({ ...event('text'), message: undefined });
        for (const body of ['{"events": [', 'null', deep, wrongTypes, noMessage]) expect((await post(body)).status, body.slice(0, 40)).to.equal(400);
        expect((await post(badUtf8 as unknown as string)).status).to.equal(400);
        const ok = lineBody(event('text'));
        expect((await post(ok, { 'content-type': 'application/x-www-form-urlencoded' })).status).to.equal(415);
        const huge = lineBody(event('text', freshUser(), { padding: 'x'.repeat(1_100_000) }));
        expect((await post(huge)).status).to.equal(413);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });
    });

    describe('outbound', () => {
      beforeEach(() => start());

      /** A LINE customer writes, agent1 gets the conversation. */
      async function customerReachesAgent(userId = freshUser()) {
        const reached = await reachAgent(app, sockets, { platform: 'line', channelId: ch.id, sendInbound: () => post(lineBody(event('text', userId))) });
        expect(reached.assigned.messages.filter((m: any) => m.direction === 'in').map((m: any) => m.text)).to.deep.equal(['Hello, my order has not arrived']);
        return { ...reached, userId };
      }
      // The bot may also write to the customer meanwhile, so everything below is keyed on the reply's id.
      const pushesOf = (id: string) => fake.to('POST', '/v2/bot/message/push').filter((r) => r.headers['x-line-retry-key'] === id);

      it('takes a customer to an agent and the reply back through the push API', async () => {
        const { conversationId, userId, agent, statuses } = await customerReachesAgent();
        const id = await agentReply(agent.socket, conversationId, { text: 'Your parcel leaves today.' });
        await waitFor(() => pushesOf(id).length === 1);
        const [push] = pushesOf(id);
        expect(push.headers.authorization).to.equal(`Bearer ${TOKEN}`);
        expect(push.json()).to.deep.equal({ to: userId, messages: [{ type: 'text', text: 'Your parcel leaves today.' }] });
        await waitFor(() => statusOf(statuses, id, 'sent'));
        const out = await storedMessage(app, id);
        expect(out).to.include({ status: 'sent', direction: 'out', sender: 'agent' });
        expect(out.externalMessageId).to.match(/^\d+$/);
      });

      it('retries a 500 and a timeout with the same retry key, then is sent once', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const text = 'Sorry for the wait.';
        fake.failWhere('POST', '/v2/bot/message/push', bodyIncludes(text), { status: 500, body: { message: 'An error occurred in the server' } }, 'timeout');
        const id = await agentReply(agent.socket, conversationId, { text });
        await waitFor(() => statusOf(statuses, id, 'sent'), 15000, 'sent after retries');
        expect(pushesOf(id)).to.have.length(3);
        expect(statusOf(statuses, id, 'failed')).to.equal(undefined);
      });

      it('counts a 409 for an already accepted retry key as sent, with LINE\'s message id', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        fake.loseAnswerTo = 'Only once, please.';
        const id = await agentReply(agent.socket, conversationId, { text: 'Only once, please.' });
        await waitFor(() => statusOf(statuses, id, 'sent'), 10000, 'sent after a 409');
        expect(pushesOf(id)).to.have.length(2);
        expect((await storedMessage(app, id)).externalMessageId).to.equal(fake.acceptedId(id));
        expect(statusOf(statuses, id, 'failed')).to.equal(undefined);
      });

      it('fails at once on an invalid recipient and shows LINE\'s reason to the agent', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent('Unot-a-line-user');
        const id = await agentReply(agent.socket, conversationId, { text: 'Hello?' });
        await waitFor(() => statusOf(statuses, id, 'failed'));
        expect(statusOf(statuses, id, 'failed').error).to.match(/LINE answered 400.*'to'.*invalid/);
        expect(pushesOf(id)).to.have.length(1);
        const out = await storedMessage(app, id);
        expect(out).to.include({ status: 'failed' });
        expect(out.error).to.match(/invalid/);
      });

      it('downloads what a customer sent from the content API with the channel token', async () => {
        fake.content.set('354718705033693859', { bytes: Buffer.from('JPEG-BYTES'), mimeType: 'image/jpeg' });
        const rt = (await channelRuntime(app.ctx, ch.id))!;
        const got = await adapterFor('line')!.fetchMedia!(app.ctx, rt, { platformRef: '354718705033693859' });
        expect(got.mimeType).to.equal('image/jpeg');
        expect(await bodyText(got.body)).to.equal('JPEG-BYTES');
        const missing = await adapterFor('line')!.fetchMedia!(app.ctx, rt, { platformRef: '1' }).catch((e) => e);
        expect(missing).to.include({ permanent: true });
      });
    });
  });
}
