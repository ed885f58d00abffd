// Attachments between a web chat customer and an agent: the widget uploads with its visitor
// token and sends the file; the agent replies with a file; each side can load what it gets.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { agentSocket, customerSocket, emitAck, once, type AnySocket } from '../helpers/sockets.js';
import { withSignedMediaUrls } from '../../media-server/index.js';
import * as f from './media-fixtures.js';
import { createOtherTenant, download, onServer, startMediaApp, upload, type MediaApp } from './media-app.js';

for (const db of DB_KINDS) {
  describe(`outbound media and widget uploads (${db})`, function () {
    let m: MediaApp;
    let token: string;
    let agent: AnySocket;
    const sockets: AnySocket[] = [];

    before(async () => {
      m = await startMediaApp(db, { WIDGET_MEDIA_MAX_BYTES: '200000' });
      token = await m.app.login('agent1@demo.local');
      agent = await agentSocket(m.app.url, token);
      expect((await emitAck(agent, 'agent:status', { status: 'online' })).ok).to.equal(true);
    });
    afterEach(() => { sockets.splice(0).forEach((s) => s.close()); });
    after(async () => {
      agent.close();
      await m.stop();
    });

    async function visitor() {
      const c = await customerSocket(m.app.url, m.app.channelId);
      sockets.push(c.socket);
      const widgetUpload = (bytes: Buffer, name: string, headers: Record<string, string> = { 'x-visitor-token': c.session.visitorToken }) =>
        upload(`${m.app.url}/webchat/${m.app.channelId}/media`, bytes, name, { headers });
      return { ...c, widgetUpload };
    }

    it('lets a widget customer upload a picture and send it; the agent gets it and can load it', async () => {
      const v = await visitor();
      const bytes = await f.jpeg(320, 240);
      const up = await v.widgetUpload(bytes, 'broken-screen.jpg');
      expect(up.status).to.equal(201);
      expect(up.body).to.include({ mimeType: 'image/jpeg', size: bytes.length, fileName: 'broken-screen.jpg' });
      expect(up.body.url).to.match(/^http:\/\/localhost:\d+\/media\/signed\//); // absolute, on PUBLIC_URL
      const own = await download(onServer(m.app, up.body.url));
      expect(own.bytes.equals(bytes)).to.equal(true);
      expect((await download(onServer(m.app, up.body.thumbnailUrl))).headers.get('content-type')).to.equal('image/jpeg');

      const assigned = once(agent, 'conversation:assigned');
      const echo = once(v.socket, 'message:new', (p) => p.message.direction === 'in');
      const sent = await emitAck(v.socket, 'message:send', { mediaId: up.body.id, text: 'it looks like this', clientMessageId: randomUUID() });
      expect(sent.ok).to.equal(true);
      expect(sent.message).to.include({ type: 'image', text: 'it looks like this' });
      expect(sent.message.media[0].url).to.match(/\/media\/signed\//); // what the widget can load
      expect((await echo).message.media[0].url).to.match(/\/media\/signed\//); // its other tabs too
      const a = await assigned;
      const media = a.messages[0].media[0];
      expect(media).to.include({ id: up.body.id, mimeType: 'image/jpeg', url: `/api/v1/media/${up.body.id}` });
      expect((await download(m.app.url + media.url, token)).bytes.equals(bytes)).to.equal(true);
      await m.app.api('POST', `/api/v1/conversations/${a.conversation.id}/close`, { token, body: {} });
    });

    it('refuses widget uploads without a valid visitor token, over the widget limit, or of a refused type', async () => {
      const v = await visitor();
      expect((await v.widgetUpload(f.pdf(), 'a.pdf', {})).status).to.equal(401);
      expect((await v.widgetUpload(f.pdf(), 'a.pdf', { 'x-visitor-token': `${v.session.visitorToken}x` })).status).to.equal(401);
      const tooBig = await v.widgetUpload(f.pdf(250_000), 'big.pdf');
      expect(tooBig.status).to.equal(413);
      expect(tooBig.body.error.message).to.contain('200 KB');
      const exe = await v.widgetUpload(f.exe(), 'game.jpg');
      expect(exe.status).to.equal(415);
      expect((await upload(`${m.app.url}/webchat/not-a-channel/media`, f.pdf(), 'a.pdf', { headers: { 'x-visitor-token': v.session.visitorToken } })).status).to.equal(404);
      // Agents keep their own, larger limit.
      expect((await upload(`${m.app.url}/api/v1/media`, f.pdf(250_000), 'big.pdf', { token })).status).to.equal(201);
    });

    it('answers the widget\'s CORS preflight for its upload', async () => {
      const res = await fetch(`${m.app.url}/webchat/${m.app.channelId}/media`, {
        method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-visitor-token' },
      });
      expect(res.status).to.equal(204);
      expect(res.headers.get('access-control-allow-origin')).to.equal('https://shop.example');
      expect(res.headers.get('access-control-allow-headers')).to.match(/X-Visitor-Token/i);
    });

    it('delivers an agent\'s file to the widget customer with a link they can load', async () => {
      const v = await visitor();
      const assigned = once(agent, 'conversation:assigned');
      await emitAck(v.socket, 'message:send', { text: 'can you send me the form?', clientMessageId: randomUUID() });
      const conv = (await assigned).conversation;

      const form = f.pdf(40_000);
      const up = await upload(`${m.app.url}/api/v1/media`, form, 'claim form.pdf', { token });
      const got = once(v.socket, 'message:new', (p) => p.message.direction === 'out');
      const ack = await emitAck(agent, 'message:send', { conversationId: conv.id, mediaId: up.body.id, clientMessageId: randomUUID() });
      expect(ack.ok).to.equal(true);
      expect(ack.message).to.include({ type: 'file', status: 'pending' });
      expect(ack.message.media[0]).to.include({ id: up.body.id, fileName: 'claim form.pdf', url: `/api/v1/media/${up.body.id}` });

      const delivered = (await got).message;
      expect(delivered.media[0].url).to.match(/^http:\/\/localhost:\d+\/media\/signed\//);
      const loaded = await download(onServer(m.app, delivered.media[0].url));
      expect(loaded.status).to.equal(200);
      expect(loaded.bytes.equals(form)).to.equal(true);
      expect(loaded.headers.get('content-disposition')).to.contain('filename*=UTF-8\'\'claim%20form.pdf');

      // The same over REST, and the history the widget reloads carries loadable links too.
      const rest = await m.app.api('POST', `/api/v1/conversations/${conv.id}/messages`, { token, body: { mediaId: up.body.id, text: 'here again', clientMessageId: randomUUID() } });
      expect(rest.status).to.equal(201);
      expect(rest.body).to.include({ type: 'file', text: 'here again' });
      const history = await emitAck(v.socket, 'history', {});
      const outs = history.messages.filter((x: any) => x.direction === 'out');
      expect(outs).to.have.length(2);
      expect(outs.every((x: any) => x.media[0].url.includes('/media/signed/'))).to.equal(true);
      await m.app.api('POST', `/api/v1/conversations/${conv.id}/close`, { token, body: {} });
    });

    it('refuses to send another tenant\'s file (404), and gives platforms absolute signed links', async () => {
      const v = await visitor();
      const assigned = once(agent, 'conversation:assigned');
      await emitAck(v.socket, 'message:send', { text: 'hello', clientMessageId: randomUUID() });
      const conv = (await assigned).conversation;
      const other = await createOtherTenant(m.app, `outbound-${db}`);
      const theirs = await upload(`${m.app.url}/api/v1/media`, f.pdf(1234), 'theirs.pdf', { token: other.token });
      const refused = await m.app.api('POST', `/api/v1/conversations/${conv.id}/messages`, { token, body: { mediaId: theirs.body.id, clientMessageId: randomUUID() } });
      expect(refused.status).to.equal(404);
      const fromWidget = await emitAck(v.socket, 'message:send', { mediaId: theirs.body.id, clientMessageId: randomUUID() });
      expect(fromWidget.ok).to.equal(false);
      expect(fromWidget.error.code).to.equal('not_found');

      const mine = await upload(`${m.app.url}/api/v1/media`, f.oggOpus(5000), 'reply.ogg', { token });
      const content = withSignedMediaUrls(m.app.ctx, { type: 'audio', media: [{ id: mine.body.id, mimeType: 'audio/ogg', size: 5000 }] });
      expect(content.media![0].url).to.match(/^http:\/\/localhost:\d+\/media\/signed\/[0-9a-f-]+\?exp=\d+&sig=/);
      expect((await download(onServer(m.app, content.media![0].url!))).status).to.equal(200);
      await m.app.api('POST', `/api/v1/conversations/${conv.id}/close`, { token, body: {} });
    });
  });
}
