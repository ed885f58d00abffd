// Inbound platform media: a message that only references its attachments (URLs on a fake
// platform server on 127.0.0.1) gets them fetched by a durable job, stored, and shown to the
// agent; retries ride out a failing platform, and a final failure is shown, never dropped.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DB_KINDS } from '../helpers/databases.js';
import { agentSocket, emitAck, once, type AnySocket } from '../helpers/sockets.js';
import { ChannelEntity, MediaEntity } from '../../shared/db/entities/index.js';
import type { InboundEvent, MediaRef } from '../../shared/types/message.js';
import { receiveInbound } from '../../switch/index.js';
import * as f from './media-fixtures.js';
import { download, startMediaApp, type MediaApp } from './media-app.js';

/** A platform's file server: each path answers from a script of statuses, then the file. */
class FakePlatform {
  readonly hits = new Map<string, number>();
  private server!: http.Server;
  url = '';
  constructor(private readonly files: Record<string, { body: Buffer; type: string; failFirst?: number; status?: number }>) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const path = req.url ?? '';
      const n = (this.hits.get(path) ?? 0) + 1;
      this.hits.set(path, n);
      const file = this.files[path];
      if (!file) { res.writeHead(404).end('no such file'); return; }
      if (file.status) { res.writeHead(file.status).end('platform error'); return; }
      if (n <= (file.failFirst ?? 0)) { res.writeHead(503).end('try later'); return; }
      res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.body.length) }).end(file.body);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> { await new Promise((r) => this.server.close(r)); }
}

for (const db of DB_KINDS) {
  describe(`inbound platform media (${db})`, function () {
    let m: MediaApp;
    let platform: FakePlatform;
    let agent: AnySocket;
    let token: string;
    const voice = f.oggOpus(20_000);
    const photo = f.pdf(9000);

    before(async () => {
      platform = new FakePlatform({
        '/voice.ogg': { body: voice, type: 'audio/ogg' },
        '/flaky.pdf': { body: photo, type: 'application/pdf', failFirst: 2 },
        '/down.pdf': { body: photo, type: 'application/pdf', status: 500 },
        '/evil.jpg': { body: f.elf(), type: 'image/jpeg' },
      });
      await platform.start();
      // Three tries, with BullMQ's backoff of 0.5 s then 1 s: failures resolve in about 1.5 s.
      m = await startMediaApp(db, { MEDIA_FETCH_ATTEMPTS: '3' });
      token = await m.app.login('agent1@demo.local');
      agent = await agentSocket(m.app.url, token);
      expect((await emitAck(agent, 'agent:status', { status: 'online' })).ok).to.equal(true);
    });
    after(async () => {
      agent.close();
      await m.stop();
      await platform.stop();
    });

    // Demo agents take three conversations at a time: each test's is closed after it.
    const opened: string[] = [];
    afterEach(async () => {
      for (const id of opened.splice(0)) await m.app.api('POST', `/api/v1/conversations/${id}/close`, { token, body: {} });
    });

    let seq = 0;
    async function customerSends(media: MediaRef[], text?: string) {
      seq += 1;
      const channel = await m.app.ctx.db.manager.findOneByOrFail(ChannelEntity, { id: m.app.channelId });
      const event: InboundEvent = {
        kind: 'message', channelId: channel.id, platform: 'webchat', externalUserId: `customer-${db}-${seq}`,
        externalMessageId: `ext-${seq}`, occurredAt: new Date(), message: { type: 'file', text, media },
      };
      const assigned = once(agent, 'conversation:assigned', () => true, 10_000);
      const [stored] = await receiveInbound(m.app.ctx, channel, [event]);
      opened.push(stored.conversation!.id);
      return { stored, event, channel, assigned: await assigned };
    }

    it('fetches a voice note, stores it, and tells the agent with message:updated', async () => {
      const updated = once(agent, 'message:updated', () => true, 10_000);
      const { stored, assigned } = await customerSends([{ url: `${platform.url}/voice.ogg`, mimeType: 'audio/ogg' }]);
      const first = assigned.messages[0];
      expect(first.id).to.equal(stored.message!.id);
      expect(first.media).to.have.length(1);
      if (!first.media[0].id) expect(first.media[0]).to.include({ pending: true, url: '' }); // unless the job was faster

      const up = await updated;
      expect(up.conversationId).to.equal(assigned.conversation.id);
      expect(up.message.id).to.equal(first.id);
      const media = up.message.media[0];
      expect(media).to.include({ mimeType: 'audio/ogg', size: voice.length, url: `/api/v1/media/${media.id}` });
      expect(media.pending).to.equal(undefined);
      const got = await download(m.app.url + media.url, token);
      expect(got.bytes.equals(voice)).to.equal(true);

      const history = await m.app.api('GET', `/api/v1/conversations/${assigned.conversation.id}/messages`, { token });
      expect(history.body.items[0].media[0].id).to.equal(media.id);
    });

    it('stores a redelivered message and its attachment once', async () => {
      const { event, channel, stored } = await customerSends([{ url: `${platform.url}/voice.ogg` }]);
      const [again] = await receiveInbound(m.app.ctx, channel, [event]);
      expect(again.duplicate).to.equal(true);
      expect(again.message!.id).to.equal(stored.message!.id);
      // Same bytes as the first test's voice note: the store keeps one copy.
      await waitForMedia(stored.message!.id);
      const rows = await m.app.ctx.db.manager.findBy(MediaEntity, { size: voice.length });
      expect(rows).to.have.length(1);
    });

    it('retries a platform that fails first and succeeds later', async () => {
      const updated = once(agent, 'message:updated', () => true, 15_000);
      await customerSends([{ url: `${platform.url}/flaky.pdf`, fileName: 'invoice.pdf' }]);
      const up = await updated;
      expect(up.message.media[0]).to.include({ mimeType: 'application/pdf', size: photo.length, fileName: 'invoice.pdf' });
      expect(platform.hits.get('/flaky.pdf')).to.equal(3);
    });

    it('shows an attachment as unavailable after the last try, and at once when it can never work', async () => {
      const updated = once(agent, 'message:updated', (p) => p.message.media.every((x: any) => x.id), 15_000);
      const { stored } = await customerSends([
        { url: `${platform.url}/down.pdf`, fileName: 'statement.pdf', mimeType: 'application/pdf' },
        { url: `${platform.url}/missing.jpg` },
        { url: `${platform.url}/evil.jpg` },
      ], 'three files');
      const up = await updated;
      const [down, missing, evil] = up.message.media;
      expect(down).to.include({ unavailable: true, url: '', fileName: 'statement.pdf', mimeType: 'application/pdf' });
      expect(down.error).to.match(/^Attachment unavailable: .*500/);
      expect(missing.unavailable).to.equal(true);
      expect(missing.error).to.contain('404');
      expect(evil.unavailable).to.equal(true);
      expect(evil.error).to.contain('not accepted');
      expect(platform.hits.get('/down.pdf')).to.equal(3);
      expect(platform.hits.get('/missing.jpg')).to.equal(1); // a 404 is final: no retry
      const row = await m.app.ctx.db.manager.findOneByOrFail(MediaEntity, { id: down.id });
      expect(row).to.include({ status: 'unavailable', storageKey: null });
      expect((await download(`${m.app.url}/api/v1/media/${down.id}`, token)).status).to.equal(404);
      const history = await m.app.api('GET', `/api/v1/conversations/${up.conversationId}/messages`, { token });
      expect(history.body.items.find((x: any) => x.id === stored.message!.id).media.map((x: any) => x.unavailable)).to.deep.equal([true, true, true]);
    });

    it('keeps the platform\'s transcript of a voice note as the message text', async () => {
      const { assigned } = await customerSends([{ url: `${platform.url}/voice.ogg`, transcript: 'I would like to cancel my order' }]);
      expect(assigned.messages[0].text).to.equal('I would like to cancel my order');
      expect(assigned.messages[0].media[0].transcript).to.equal('I would like to cancel my order');
    });

    async function waitForMedia(messageId: string): Promise<void> {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const msg = await m.app.ctx.db.manager.query('SELECT content FROM messages WHERE id = ?', [messageId]);
        if (JSON.parse(msg[0].content).media.every((x: any) => x.id)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('media not fetched in time');
    }
  });
}
