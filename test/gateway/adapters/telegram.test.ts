// Telegram adapter over real HTTP: updates in with setWebhook's secret token (every message type,
// callbacks, edits, blocks, redeliveries, hostile bodies), Bot API calls out to a fake Telegram
// (text, captions, uploads, retries, retry_after, refusals) and getFile downloads.
import { expect } from 'chai';
import { channelRuntime } from '../../../gateway/index.js';
import { adapterFor } from '../../../gateway/registry.js';
import type { ServiceName } from '../../../shared/config.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, agentReply, agentUpload, bodyIncludes, bodyText, createChannel, customerReachesAgent as reachAgent, postWebhook, receivedAt, statusOf, storedMessage, storedMessages, tearDown, waitFor, type CreatedChannel } from '../../helpers/gateway.js';
import { once, type AnySocket } from '../../helpers/sockets.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { FakeTelegramServer } from '../../fakes/telegram-server.js';
import { SECRET_HEADER, telegramUpdate } from '../../fixtures/telegram/signing.js';
import * as files from '../../media-server/media-fixtures.js';

const TOKEN = '123456789:AAE-telegram-test-token_0123456789';
const SECRET = 'telegram-webhook-secret-0123';
const JSON_TYPE = { 'content-type': 'application/json' };

let chats = 880_000_000;
const freshChat = () => ++chats;

for (const db of DB_KINDS) {
  describe(`Telegram adapter (${db})`, function () {
    let app: TestApp;
    let fake: FakeTelegramServer;
    let ch: CreatedChannel;
    const sockets: AnySocket[] = [];

    const post = (body: unknown, headers: Record<string, string> = {}) =>
      postWebhook(app, ch.path, typeof body === 'string' ? body : JSON.stringify(body), { ...JSON_TYPE, [SECRET_HEADER]: SECRET, ...headers });

    async function start(services?: ServiceName[]) {
      app = await startTestApp({ db, services });
      fake = await new FakeTelegramServer(TOKEN).start();
      ch = await createChannel(app, 'telegram', { botToken: TOKEN, secretToken: SECRET, apiBaseUrl: fake.url, timeoutMs: 1000 });
    }
    afterEach(() => tearDown(sockets, fake, app));

    describe('inbound', () => {
      beforeEach(() => start(WITHOUT_MEDIA_FETCH));

      it('stores every kind of message, in the order the updates came', async () => {
        const chat = freshChat();
        const names = ['text', 'photo', 'voice', 'audio', 'video', 'videoNote', 'document', 'animation', 'sticker', 'location', 'venue', 'contact', 'poll', 'dice', 'callback'];
        const updates = names.map((n) => telegramUpdate(n, chat));
        for (const u of updates) expect((await post(u)).status, u.update_id).to.equal(200);
        const stored = await storedMessages(app, ch.id);
        expect(stored.map((m) => m.type)).to.deep.equal(['text', 'image', 'audio', 'audio', 'video', 'video', 'file', 'video', 'sticker', 'location', 'location', 'contact', 'text', 'text', 'interactive']);
        expect(new Set(stored.map((m) => m.conversationId)).size).to.equal(1);
        const by = Object.fromEntries(names.map((n, i) => [n, stored[i]]));
        expect(by.text).to.include({ text: 'Hello, my order has not arrived', externalMessageId: `${chat}:${updates[0].message.message_id}` });
        // The largest of the sizes Telegram made, with its caption as the message's text.
        expect(by.photo.content?.media).to.deep.equal([{ platformRef: 'AgACAgIAAxkBAAIBZ2large', size: 61320, caption: 'the broken box', mimeType: 'image/jpeg' }]);
        expect(by.photo.text).to.equal('the broken box');
        expect(by.voice.content?.media?.[0]).to.include({ platformRef: 'AwACAgIAAxkBAAIBaHvoice', mimeType: 'audio/ogg' });
        expect(by.audio.content?.media?.[0]).to.include({ fileName: 'song.mp3', mimeType: 'audio/mpeg' });
        expect(by.video.content?.media?.[0]).to.include({ fileName: 'unboxing.mp4', size: 2200000 });
        expect(by.document.content?.media?.[0]).to.include({ platformRef: 'BQACAgIAAxkBAAIBbGdoc', fileName: 'invoice.pdf', mimeType: 'application/pdf' });
        expect(by.animation.content?.media?.[0]).to.include({ platformRef: 'CgACAgIAAxkBAAIBbWgif' });
        expect(by.sticker).to.include({ text: '👍' });
        expect(by.location.content?.location).to.deep.equal({ latitude: 52.520008, longitude: 13.404954 });
        expect(by.venue.content?.location).to.include({ name: 'Eiffel Tower', address: 'Champ de Mars, 5 Av. Anatole France, Paris' });
        expect(by.contact.text).to.equal('Erika Mustermann\n+4915112345678');
        expect(by.poll.text).to.equal('[Poll] Which day suits you?\n• Monday\n• Friday');
        expect(by.dice.text).to.equal('🎲 4');
        expect(by.callback).to.include({ text: 'confirm_order_1234', externalMessageId: `callback:${updates[14].callback_query.id}` });
        const conv = await app.api('GET', `/api/v1/conversations/${by.text.conversationId}`, { token: await app.login('admin@demo.local') });
        // The name of the latest update wins (the fixtures after the first carry no last name).
        expect(conv.body.customer).to.include({ externalUserId: String(chat), displayName: 'Test' });
      });

      it('keeps a group as one customer and records what a message replies to', async () => {
        const u = telegramUpdate('groupText', -4001234567);
        expect((await post(u)).status).to.equal(200);
        const [m] = await storedMessages(app, ch.id);
        expect(m.content?.replyToExternalId).to.equal('-4001234567:70');
        expect(m.externalMessageId).to.equal(`-4001234567:${u.message.message_id}`);
      });

      it('acknowledges edits, blocks and channel posts without storing customer messages', async () => {
        const chat = freshChat();
        for (const n of ['edited', 'blocked', 'channelPost']) expect((await post(telegramUpdate(n, chat))).status, n).to.equal(200);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('keeps a message of a kind it does not know in text form', async () => {
        const u = telegramUpdate('text', freshChat());
        delete u.message.text;
        u.message.giveaway = { chats: [], winners_selection_date: 1, winner_count: 1 };
        expect((await post(u)).status).to.equal(200);
        const [m] = await storedMessages(app, ch.id);
        expect(m).to.include({ type: 'text', text: '[Telegram message of a kind we cannot show]' });
      });

      it('stores an update delivered again once, also when copies arrive at the same moment', async () => {
        const u = telegramUpdate('text', freshChat());
        const results = await Promise.all([post(u), post(u), post(u)]);
        expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect((await post(u)).status).to.equal(200);
        expect(await storedMessages(app, ch.id)).to.have.length(1);
      });

      it('refuses a wrong or missing secret token with 401 and stores nothing', async () => {
        const u = telegramUpdate('text', freshChat());
        expect((await post(u, { [SECRET_HEADER]: 'another-secret' })).status).to.equal(401);
        expect((await postWebhook(app, ch.path, JSON.stringify(u), JSON_TYPE)).status).to.equal(401);
        expect((await post(u, { [SECRET_HEADER]: SECRET.slice(0, -1) })).status).to.equal(401);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('refuses hostile bodies with 400, 413 or 415 and stores nothing', async () => {
        const chat = freshChat();
        const deep = '{"update_id":1,"x":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
        const wrongTypes = JSON.stringify({ ...telegramUpdate('text', chat), update_id: 'first' });
        const badChat = telegramUpdate('text', chat);
        badChat.message.chat.id = '1111111';
        const badUtf8 = Buffer.concat([Buffer.from('{"update_id":1,"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
        for (const body of ['{"update_id": ', 'null', '[]', deep, wrongTypes, JSON.stringify(badChat)]) expect((await post(body)).status, body.slice(0, 40)).to.equal(400);
        expect((await post(badUtf8 as unknown as string)).status).to.equal(400);
        expect((await post(telegramUpdate('text', chat), { 'content-type': 'text/plain' })).status).to.equal(415);
        const huge = telegramUpdate('text', chat);
        huge.message.text = 'x'.repeat(1_100_000);
        expect((await post(huge)).status).to.equal(413);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });
    });

    describe('outbound', () => {
      beforeEach(() => start());

      /** A Telegram customer writes, agent1 gets the conversation. */
      async function customerReachesAgent(chat = freshChat()) {
        const reached = await reachAgent(app, sockets, { platform: 'telegram', channelId: ch.id, sendInbound: () => post(telegramUpdate('text', chat)) });
        return { ...reached, chat };
      }
      const sendPath = (method: string) => `/bot${TOKEN}/${method}`;

      it('takes a customer to an agent and the reply back with sendMessage', async () => {
        const { agent, conversationId, chat, statuses } = await customerReachesAgent();
        const id = await agentReply(agent.socket, conversationId, { text: 'Your parcel leaves today.' });
        await waitFor(() => statusOf(statuses, id, 'sent'));
        const [call] = fake.to('POST', sendPath('sendMessage')).filter(bodyIncludes('Your parcel leaves today.'));
        expect(call.json()).to.deep.equal({ chat_id: String(chat), text: 'Your parcel leaves today.' });
        const out = await storedMessage(app, id);
        expect(out).to.include({ status: 'sent' });
        expect(out.externalMessageId).to.match(new RegExp(`^${chat}:\\d+$`));
      });

      it('sends a picture by its link with the text as caption, and uploads a file Telegram cannot fetch', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const photo = await agentUpload(app, await files.jpeg(320, 240), 'label.jpg');
        const id1 = await agentReply(agent.socket, conversationId, { text: 'This is the label', mediaId: photo });
        const doc = await agentUpload(app, files.docx(), 'terms.docx');
        const id2 = await agentReply(agent.socket, conversationId, { mediaId: doc });
        await waitFor(() => statusOf(statuses, id1, 'sent') && statusOf(statuses, id2, 'sent'), 10_000);
        const [p] = fake.calls.filter((c) => c.method === 'sendPhoto');
        expect(p.fields.caption).to.equal('This is the label');
        expect(p.fields.photo).to.match(/\/media\/signed\//);
        const [d] = fake.calls.filter((c) => c.method === 'sendDocument');
        expect(d.upload).to.include({ field: 'document', fileName: 'terms.docx' });
        expect(d.upload!.bytes.equals(files.docx())).to.equal(true);
        expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.fields.text === 'This is the label')).to.have.length(0);
      });

      it('waits as long as a 429\'s retry_after says, and retries a 500, then sends once', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const text = 'Sorry for the wait.';
        fake.failWhere('POST', sendPath('sendMessage'), bodyIncludes(text),
          { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } },
          { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } });
        const id = await agentReply(agent.socket, conversationId, { text });
        await waitFor(() => statusOf(statuses, id, 'sent'), 15_000, 'sent after retries');
        const tries = fake.to('POST', sendPath('sendMessage')).filter(bodyIncludes(text));
        expect(tries).to.have.length(3);
        const gap = receivedAt(tries[1]) - receivedAt(tries[0]);
        expect(gap).to.be.at.least(950);
        expect(fake.sendsWith(text)).to.have.length(1);
      });

      it('does not send a message\'s text twice when its attachment failed and is retried', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const text = 'Here are both documents.'.repeat(50); // too long for a caption: its own message first
        const doc = await agentUpload(app, files.pdf(4000), 'contract.pdf');
        fake.failNext('POST', sendPath('sendDocument'), { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } });
        const id = await agentReply(agent.socket, conversationId, { text, mediaId: doc });
        await waitFor(() => statusOf(statuses, id, 'sent'), 10_000);
        expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.fields.text === text)).to.have.length(1);
        expect(fake.calls.filter((c) => c.method === 'sendDocument')).to.have.length(1);
        expect(fake.to('POST', sendPath('sendDocument'))).to.have.length(2); // the failed try, then the one that went through
      });

      it('never sends twice when recording the sent message fails: an id the platform reused is left out', async () => {
        const { agent, conversationId, chat, statuses } = await customerReachesAgent();
        const [inbound] = await storedMessages(app, ch.id);
        fake.nextMessageId = Number(inbound.externalMessageId!.split(':')[1]); // the customer's own message id, again
        const id = await agentReply(agent.socket, conversationId, { text: 'Only once, please.' });
        await waitFor(() => statusOf(statuses, id, 'sent'));
        await new Promise((r) => setTimeout(r, 300)); // time for a wrong retry to show
        expect(fake.sendsWith('Only once, please.')).to.have.length(1);
        const out = await storedMessage(app, id);
        expect(out).to.include({ status: 'sent', externalMessageId: null });
        expect(inbound.externalMessageId).to.match(new RegExp(`^${chat}:`));
      });

      it('fails at once when the customer blocked the bot, with Telegram\'s reason for the agent', async () => {
        const { agent, conversationId, chat, statuses } = await customerReachesAgent();
        fake.blocked.add(String(chat));
        const id = await agentReply(agent.socket, conversationId, { text: 'Hello?' });
        await waitFor(() => statusOf(statuses, id, 'failed'));
        expect(statusOf(statuses, id, 'failed').error).to.match(/Telegram answered 403.*bot was blocked by the user/);
        expect(fake.to('POST', sendPath('sendMessage')).filter(bodyIncludes('Hello?'))).to.have.length(1);
        expect(await storedMessage(app, id)).to.include({ status: 'failed' });
      });

      it('downloads what a customer sent with getFile and the file path', async () => {
        fake.files.set('AgACAgIAAxkBAAIBZ2large', { path: 'photos/file_7.jpg', bytes: Buffer.from('JPEG-BYTES') });
        const rt = (await channelRuntime(app.ctx, ch.id))!;
        const got = await adapterFor('telegram')!.fetchMedia!(app.ctx, rt, { platformRef: 'AgACAgIAAxkBAAIBZ2large', mimeType: 'image/jpeg' });
        expect(got).to.include({ mimeType: 'image/jpeg', fileName: 'file_7.jpg' });
        expect(await bodyText(got.body)).to.equal('JPEG-BYTES');
        const [getFile] = fake.to('POST', sendPath('getFile'));
        expect(getFile.json()).to.deep.equal({ file_id: 'AgACAgIAAxkBAAIBZ2large' });
        const missing = await adapterFor('telegram')!.fetchMedia!(app.ctx, rt, { platformRef: 'no-such-file' }).catch((e) => e);
        expect(missing).to.include({ permanent: true });
        expect(missing.message).to.match(/invalid file_id/);
      });

      it('fetches a customer\'s photo into our store and shows it to the agent', async () => {
        const { agent, chat } = await customerReachesAgent();
        const bytes = await files.jpeg(200, 150);
        fake.files.set('AgACAgIAAxkBAAIBZ2large', { path: 'photos/file_9.jpg', bytes });
        const updated = once(agent.socket, 'message:updated', (p: any) => p.message.type === 'image', 10_000);
        expect((await post(telegramUpdate('photo', chat))).status).to.equal(200);
        const { message } = await updated;
        expect(message.media[0]).to.include({ mimeType: 'image/jpeg', size: bytes.length });
        expect(message.media[0].pending).to.equal(undefined);
      });
    });
  });
}
