// Media through a real platform adapter, the api channel: a signed webhook whose message only
// links its attachment (on a fake file host that fails first), and an agent's file posted to
// the CRM's callback with a signed link the CRM can fetch.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { createChannel, onlineAgent, postWebhook, type CreatedChannel } from '../helpers/gateway.js';
import { emitAck, once, type AnySocket } from '../helpers/sockets.js';
import { FakeApiCallbackServer } from '../fakes/api-callback-server.js';
import { FakeHttpServer } from '../fakes/fake-http-server.js';
import { apiSignature } from '../fixtures/api/signing.js';
import * as f from './media-fixtures.js';
import { download, onServer, startMediaApp, upload, waitFor, type MediaApp } from './media-app.js';

const SECRET = 'api-channel-secret-for-media-tests';

for (const db of DB_KINDS) {
  describe(`media through the api channel (${db})`, function () {
    let m: MediaApp;
    let crm: FakeApiCallbackServer;
    let files: FakeHttpServer;
    let ch: CreatedChannel;
    let agent: { token: string; socket: AnySocket };
    const scan = f.pdf(12_000);

    before(async () => {
      m = await startMediaApp(db, { MEDIA_FETCH_ATTEMPTS: '4' });
      crm = await new FakeApiCallbackServer(SECRET).start();
      files = await new FakeHttpServer().route('GET', '/files/scan.pdf', () => ({ status: 200, body: scan, headers: { 'content-type': 'application/pdf' } })).start();
      ch = await createChannel(m.app, 'api', { secret: SECRET, callbackUrl: crm.callbackUrl, timeoutMs: 2000 });
      agent = await onlineAgent(m.app);
    });
    after(async () => {
      agent.socket.close();
      await files.close();
      await crm.close();
      await m.stop();
    });

    it('fetches a linked attachment after the file host failed twice, and shows it to the agent', async () => {
      files.failNext('GET', '/files/scan.pdf', { status: 503, body: 'busy' }, { status: 502, body: 'bad gateway' });
      const body = JSON.stringify({ externalUserId: 'crm-contact-7', externalMessageId: 'crm-msg-media-1', type: 'file', text: 'my scan', media: [{ url: `${files.url}/files/scan.pdf` }] });
      const assigned = once(agent.socket, 'conversation:assigned', () => true, 10_000);
      const updated = once(agent.socket, 'message:updated', () => true, 15_000);
      const res = await postWebhook(m.app, ch.path, body, { 'content-type': 'application/json', 'x-signature': apiSignature(SECRET, body) });
      expect(res.status).to.equal(200);
      const a = await assigned;
      expect(a.conversation.platform).to.equal('api');
      const up = await updated;
      expect(up.message.media[0]).to.include({ mimeType: 'application/pdf', size: scan.length });
      expect(files.to('GET', '/files/scan.pdf')).to.have.length(3);
      expect((await download(m.app.url + up.message.media[0].url, agent.token)).bytes.equals(scan)).to.equal(true);
      await m.app.api('POST', `/api/v1/conversations/${a.conversation.id}/close`, { token: agent.token, body: {} });
    });

    it('posts an agent\'s file to the CRM with an absolute signed link that serves the bytes', async () => {
      const body = JSON.stringify({ externalUserId: 'crm-contact-8', externalMessageId: 'crm-msg-media-2', text: 'send me the form please' });
      const assigned = once(agent.socket, 'conversation:assigned', () => true, 10_000);
      await postWebhook(m.app, ch.path, body, { 'content-type': 'application/json', 'x-signature': apiSignature(SECRET, body) });
      const conv = (await assigned).conversation;

      const form = await f.jpeg(200, 100);
      const up = await upload(`${m.app.url}/api/v1/media`, form, 'form.jpg', { token: agent.token });
      const ack = await emitAck(agent.socket, 'message:send', { conversationId: conv.id, mediaId: up.body.id, text: 'here it is', clientMessageId: randomUUID() });
      expect(ack.ok).to.equal(true);
      await waitFor(() => crm.to('POST', '/crm/callback').some((r) => r.json().message.id === ack.message.id));
      const posted = crm.to('POST', '/crm/callback').find((r) => r.json().message.id === ack.message.id)!.json();
      expect(posted.message).to.include({ type: 'image', text: 'here it is' });
      const media = posted.message.media[0];
      expect(media).to.include({ id: up.body.id, mimeType: 'image/jpeg', size: form.length });
      expect(media.url).to.match(/^http:\/\/localhost:\d+\/media\/signed\/[0-9a-f-]+\?exp=\d+&sig=/);
      const fetched = await download(onServer(m.app, media.url));
      expect(fetched.status).to.equal(200);
      expect(fetched.bytes.equals(form)).to.equal(true);
      await m.app.api('POST', `/api/v1/conversations/${conv.id}/close`, { token: agent.token, body: {} });
    });
  });
}
