// WeChat Official Account adapter over real HTTP: echostr handshake, signed XML pushes in plain
// and safe mode, hostile XML refused, customer service messages out to a fake WeChat API.
import { expect } from 'chai';
import { channelRuntime } from '../../../gateway/index.js';
import { adapterFor } from '../../../gateway/registry.js';
import { decryptWechat, encryptWechat, wechatSignature } from '../../../gateway/adapters/wechat/msg-crypt.js';
import type { ServiceName } from '../../../shared/config.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, agentReply, agentUpload, bodyIncludes, bodyText, createChannel, customerReachesAgent as reachAgent, postWebhook, statusOf, storedMessage, storedMessages, tearDown, waitFor, type CreatedChannel } from '../../helpers/gateway.js';
import type { AnySocket } from '../../helpers/sockets.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { FakeWechatServer } from '../../fakes/wechat-server.js';
import * as files from '../../media-server/media-fixtures.js';
import { ENCRYPTED_SAMPLE, sha1Sorted, wechatFixture, wechatQuery } from '../../fixtures/wechat/signing.js';

const APP_ID = 'wx2c2769f8efd9abc2';
const APP_SECRET = 'wechat-app-secret';
const TOKEN = 'spamtest';
const XML = { 'content-type': 'text/xml' };

describe('WeChat safe-mode crypto', () => {
  const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

  it('decrypts the samples WeChat published with its reference code', () => {
    expect(decryptWechat(key, 'wxb11529c136998cb6', 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==')).to.equal('我是中文abcd123');
    const cipher = /<Encrypt><!\[CDATA\[(.+)\]\]><\/Encrypt>/.exec(wechatFixture('encrypted-text'))![1];
    expect(wechatSignature(ENCRYPTED_SAMPLE.token, ENCRYPTED_SAMPLE.timestamp, ENCRYPTED_SAMPLE.nonce, cipher)).to.equal(ENCRYPTED_SAMPLE.msgSignature);
    expect(decryptWechat(key, ENCRYPTED_SAMPLE.appId, cipher)).to.contain('<Content><![CDATA[abcdteT]]></Content>');
  });

  it('refuses a message encrypted for another appId', () => {
    const cipher = encryptWechat(key, 'wx-other-app', '<xml/>');
    expect(() => decryptWechat(key, APP_ID, cipher)).to.throw(/another appId/);
    expect(decryptWechat(key, 'wx-other-app', cipher)).to.equal('<xml/>');
  });
});

for (const db of DB_KINDS) {
  describe(`WeChat adapter (${db})`, function () {
    let app: TestApp;
    let fake: FakeWechatServer;
    let ch: CreatedChannel;
    const sockets: AnySocket[] = [];

    async function start(services?: ServiceName[], config: Record<string, unknown> = {}) {
      app = await startTestApp({ db, services });
      fake = await new FakeWechatServer(APP_ID, APP_SECRET).start();
      ch = await createChannel(app, 'wechat', { appId: APP_ID, appSecret: APP_SECRET, token: TOKEN, apiBaseUrl: fake.url, timeoutMs: 1000, ...config });
    }
    afterEach(() => tearDown(sockets, fake, app));
    const push = (xml: string | Buffer, query = wechatQuery(TOKEN, { openid: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs' }), headers = XML) =>
      postWebhook(app, `${ch.path}?${query}`, xml, headers);

    describe('inbound', () => {
      beforeEach(() => start(WITHOUT_MEDIA_FETCH, { encodingAESKey: ENCRYPTED_SAMPLE.encodingAESKey }));

      it('answers the echostr handshake when signed, and 401 when not', async () => {
        const ok = await app.api('GET', `${ch.path}?${wechatQuery(TOKEN, { echostr: 'echo-4920388119374961' })}`);
        expect(ok.status).to.equal(200);
        expect(ok.body).to.equal('echo-4920388119374961');
        const forged = await app.api('GET', `${ch.path}?${wechatQuery('other-token', { echostr: 'abc' })}`);
        expect(forged.status).to.equal(401);
      });

      it('stores every message type, each answered "success" within WeChat\'s 5 seconds', async () => {
        for (const name of ['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event-click']) {
          const t0 = Date.now();
          const res = await push(wechatFixture(name));
          expect(res.status, name).to.equal(200);
          expect(res.body).to.equal('success');
          expect(Date.now() - t0).to.be.below(5000);
        }
        const stored = await storedMessages(app, ch.id);
        expect(stored.map((m) => m.type)).to.deep.equal(['text', 'image', 'audio', 'video', 'video', 'location', 'text', 'interactive']);
        const [text, image, voice, video, , location, link, click] = stored;
        expect(text).to.include({ text: '你好, my card is blocked & I need help', externalMessageId: '6054768590064713728' });
        expect(image.content?.media?.[0]).to.include({ platformRef: 'image_media_id_1', url: 'http://mmbiz.qpic.cn/mmbiz/example/0' });
        expect(voice.content?.media?.[0]).to.include({ platformRef: 'voice_media_id_1', mimeType: 'audio/amr', transcript: '我想查一下我的订单' });
        expect(video.content?.media?.[0]).to.include({ platformRef: 'video_media_id_1' });
        expect(location.content?.location).to.deep.equal({ latitude: 23.134521, longitude: 113.358803, name: '广州市天河区' });
        expect(link.text).to.equal('Order 4711\nThe order page\nhttps://shop.example.com/orders/4711');
        expect(click.content?.payload).to.equal('MENU_TALK_TO_AGENT');
        expect(new Set(stored.map((m) => m.conversationId)).size).to.equal(1);
      });

      it('passes subscribe, unsubscribe and location events on without storing messages', async () => {
        for (const name of ['event-subscribe', 'event-unsubscribe', 'event-location']) expect((await push(wechatFixture(name))).status).to.equal(200);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('stores a push WeChat retried (MsgId) once, also when the copies arrive together', async () => {
        const xml = wechatFixture('text');
        const results = await Promise.all([push(xml), push(xml), push(xml)]);
        expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        const clicks = await Promise.all([push(wechatFixture('event-click')), push(wechatFixture('event-click'))]);
        expect(clicks.map((r) => r.status)).to.deep.equal([200, 200]);
        expect(await storedMessages(app, ch.id)).to.have.length(2);
      });

      it('decrypts a safe-mode push (WeChat\'s published sample) after checking msg_signature', async () => {
        await app.stop(); await fake.close();
        await start(WITHOUT_MEDIA_FETCH, { appId: ENCRYPTED_SAMPLE.appId, token: ENCRYPTED_SAMPLE.token, encodingAESKey: ENCRYPTED_SAMPLE.encodingAESKey });
        const s = ENCRYPTED_SAMPLE;
        const query = (msgSignature: string) => new URLSearchParams({
          signature: sha1Sorted(s.token, s.timestamp, s.nonce), timestamp: s.timestamp, nonce: s.nonce,
          encrypt_type: 'aes', msg_signature: msgSignature,
        }).toString();
        const forged = await push(wechatFixture('encrypted-text'), query('0'.repeat(40)));
        expect(forged.status).to.equal(401);
        const res = await push(wechatFixture('encrypted-text'), query(s.msgSignature));
        expect(res.status).to.equal(200);
        const [m] = await storedMessages(app, ch.id);
        expect(m).to.include({ type: 'text', text: 'abcdteT', externalMessageId: '6054768590064713728' });
      });

      it('refuses a forged or missing signature with 401 and stores nothing', async () => {
        expect((await push(wechatFixture('text'), wechatQuery('not-the-token'))).status).to.equal(401);
        expect((await push(wechatFixture('text'), 'timestamp=1&nonce=2')).status).to.equal(401);
        const s = ENCRYPTED_SAMPLE;
        const otherApp = `<xml><Encrypt><![CDATA[${encryptWechat(s.encodingAESKey, 'wx-somebody-else', wechatFixture('text'))}]]></Encrypt></xml>`;
        const cipher = /CDATA\[(.+)\]\]/.exec(otherApp)![1];
        const ts = '1700000000';
        const q = new URLSearchParams({ signature: sha1Sorted(TOKEN, ts, '7'), timestamp: ts, nonce: '7', encrypt_type: 'aes', msg_signature: sha1Sorted(TOKEN, ts, '7', cipher) });
        expect((await push(otherApp, q.toString())).status).to.equal(401);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });

      it('refuses hostile XML (DTDs, entities, deep nesting, malformed) and stores nothing', async () => {
        const xxe = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><FromUserName>&x;</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId></xml>';
        const laughs = '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>';
        const deep = `<xml>${'<a>'.repeat(500)}x${'</a>'.repeat(500)}</xml>`;
        const bad = [xxe, laughs, deep, '<xml><Content>unclosed</xml>', '<notxml/>', 'plain text', '<xml><FromUserName>u</FromUserName></xml>',
          wechatFixture('location').replace('23.134521', 'north')];
        for (const body of bad) expect((await push(body)).status, body.slice(0, 40)).to.equal(400);
        expect((await push(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x78, 0x6d, 0x6c, 0x3e]))).status).to.equal(400);
        expect((await push(wechatFixture('text'), undefined, { 'content-type': 'application/json' })).status).to.equal(415);
        expect((await push(`<xml><Content><![CDATA[${'x'.repeat(1_100_000)}]]></Content></xml>`)).status).to.equal(413);
        expect(await storedMessages(app, ch.id)).to.have.length(0);
      });
    });

    describe('outbound', () => {
      beforeEach(() => start());

      /** A WeChat follower writes, agent1 gets the conversation. */
      const customerReachesAgent = () => reachAgent(app, sockets, { platform: 'wechat', channelId: ch.id, sendInbound: () => push(wechatFixture('text')) });
      // The bot may also write to the customer meanwhile, so checks are keyed on the reply's id and text.
      const SEND = '/cgi-bin/message/custom/send';
      const sendsOf = (text: string) => fake.to('POST', SEND).filter((r) => r.json().text?.content === text);

      it('takes a customer to an agent and replies as customer service messages, with one cached token', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const one = await agentReply(agent.socket, conversationId, { text: '您好, how can I help?' });
        const two = await agentReply(agent.socket, conversationId, { text: 'Second answer' });
        await waitFor(() => statusOf(statuses, one, 'sent') && statusOf(statuses, two, 'sent'));
        expect(sendsOf('您好, how can I help?').map((r) => r.json())).to.deep.equal([{ touser: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs', msgtype: 'text', text: { content: '您好, how can I help?' } }]);
        expect(sendsOf('Second answer')).to.have.length(1);
        expect(fake.to('POST', SEND).every((r) => r.query.get('access_token') === 'ACCESS_TOKEN_1')).to.equal(true);
        expect(fake.tokensIssued).to.equal(1);
      });

      it('fetches a new token when WeChat says the cached one expired, and sends', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const one = await agentReply(agent.socket, conversationId, { text: 'one' });
        await waitFor(() => statusOf(statuses, one, 'sent'));
        fake.expireTokens();
        const two = await agentReply(agent.socket, conversationId, { text: 'two' });
        await waitFor(() => statusOf(statuses, two, 'sent'));
        expect(fake.tokensIssued).to.equal(2);
        expect(sendsOf('two').at(-1)!.query.get('access_token')).to.equal('ACCESS_TOKEN_2');
        expect(statusOf(statuses, two, 'failed')).to.equal(undefined);
      });

      it('retries "system busy" and an HTTP 503, then sends', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        fake.failWhere('POST', SEND, bodyIncludes('eventually'), { status: 200, body: { errcode: -1, errmsg: 'system error' } }, { status: 503, body: 'busy', headers: { 'retry-after': '0' } });
        const id = await agentReply(agent.socket, conversationId, { text: 'eventually' });
        await waitFor(() => statusOf(statuses, id, 'sent'), 15000, 'sent after retries');
        expect(sendsOf('eventually')).to.have.length(3);
      });

      it('uploads a picture to WeChat and sends it by media_id after the text, retrying a failed upload without repeating the text', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        const bytes = await files.png(120, 90);
        const receipt = await agentUpload(app, bytes, 'receipt.png');
        fake.failNext('POST', '/cgi-bin/media/upload', { status: 200, body: { errcode: -1, errmsg: 'system error' } });
        const id = await agentReply(agent.socket, conversationId, { text: 'Here is your receipt', mediaId: receipt });
        await waitFor(() => statusOf(statuses, id, 'sent'), 15_000);
        expect(sendsOf('Here is your receipt')).to.have.length(1);
        const uploads = fake.to('POST', '/cgi-bin/media/upload');
        expect(uploads).to.have.length(2);
        expect(uploads[1].query.get('type')).to.equal('image');
        const [[mediaId, stored]] = [...fake.uploads.entries()];
        expect(stored).to.include({ type: 'image', fileName: 'receipt.png' });
        expect(stored.bytes.equals(bytes)).to.equal(true);
        const image = fake.to('POST', SEND).map((r) => r.json()).filter((b) => b.msgtype === 'image');
        expect(image).to.deep.equal([{ touser: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs', msgtype: 'image', image: { media_id: mediaId } }]);
      });

      it('fails at once outside the 48-hour window and tells the agent why', async () => {
        const { agent, conversationId, statuses } = await customerReachesAgent();
        fake.failWhere('POST', SEND, bodyIncludes('too late'), { status: 200, body: { errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' } });
        const id = await agentReply(agent.socket, conversationId, { text: 'too late' });
        await waitFor(() => statusOf(statuses, id, 'failed'));
        expect(statusOf(statuses, id, 'failed').error).to.match(/45015.*48 hours/);
        expect(sendsOf('too late')).to.have.length(1);
        expect((await storedMessage(app, id)).status).to.equal('failed');
      });

      it('downloads media with media/get, a video through its video_url, and one token for parallel calls', async () => {
        fake.media.set('image_media_id_1', { bytes: Buffer.from('JPEG'), mimeType: 'image/jpeg' });
        fake.media.set('video_media_id_1', { videoUrl: `${fake.url}/video-cdn/v.mp4` });
        const rt = (await channelRuntime(app.ctx, ch.id))!;
        const fetchMedia = adapterFor('wechat')!.fetchMedia!;
        const [img, vid] = await Promise.all([
          fetchMedia(app.ctx, rt, { platformRef: 'image_media_id_1' }),
          fetchMedia(app.ctx, rt, { platformRef: 'video_media_id_1' }),
        ]);
        expect(fake.tokensIssued).to.equal(1);
        expect([img.mimeType, await bodyText(img.body)]).to.deep.equal(['image/jpeg', 'JPEG']);
        expect([vid.mimeType, await bodyText(vid.body)]).to.deep.equal(['video/mp4', 'MP4-BYTES']);
        const gone = await fetchMedia(app.ctx, rt, { platformRef: 'expired' }).catch((e) => e);
        expect(gone).to.include({ permanent: true });
        expect(gone.message).to.match(/40007/);
      });
    });
  });
}
