// The contract every platform adapter with a webhook must keep, run over each case of
// ../conformance/cases.ts: secrets stay secret, signed messages are stored once, forged ones
// never, bad bodies are refused, and replies reach the platform or fail with a reason.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { adapterFor, registeredPlatforms } from '../../../gateway/registry.js';
import { DB_KINDS } from '../../helpers/databases.js';
import { WITHOUT_MEDIA_FETCH, createChannel, postWebhook, storedMessages, waitFor } from '../../helpers/gateway.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import type { FakeHttpServer } from '../../fakes/fake-http-server.js';
import { ConversationEntity } from '../../../shared/db/entities/index.js';
import { CASES, type ChannelUnderTest, type SignedRequest } from '../conformance/cases.js';
import { mutants } from '../conformance/mutations.js';

describe('adapter conformance: coverage', () => {
  it('has a case for every registered adapter that receives webhooks', () => {
    const withWebhooks = registeredPlatforms().filter((p) => adapterFor(p)?.webhook);
    expect(withWebhooks.filter((p) => !CASES.some((c) => c.platform === p))).to.deep.equal([]);
  });
});

for (const db of DB_KINDS) {
  for (const c of CASES) {
    describe(`adapter conformance: ${c.platform} (${db})`, function () {
      let app: TestApp;
      let fake: FakeHttpServer;
      let ch: ChannelUnderTest;
      let admin: string;
      let n = 0;
      const send = (r: SignedRequest) => postWebhook(app, r.path, r.body, r.headers);
      const message = (text = 'conformance hello') => ({ userId: c.userId(++n), messageId: `m${n}-${randomUUID()}`, text });

      // One deployment per platform and database: every test uses its own customer.
      before(async () => {
        app = await startTestApp({ db, services: WITHOUT_MEDIA_FETCH });
        fake = await c.startFake();
        ch = await createChannel(app, c.platform, c.config(fake));
        admin = await app.login('admin@demo.local');
      });
      after(async () => {
        await fake.close();
        await app.stop();
      });
      const messagesOf = async (userId: string) => (await storedMessages(app, ch.id)).filter((m) => m.text?.includes(userId));

      it('refuses an empty config and never returns a secret', async () => {
        const bad = await app.api('POST', '/api/v1/channels', { token: admin, body: { platform: c.platform, name: 'x', config: {} } });
        expect(bad.status).to.equal(400);
        const read = await app.api('GET', `/api/v1/channels/${ch.id}`, { token: admin });
        const text = JSON.stringify(read.body);
        for (const key of c.secrets) {
          expect(read.body.config, key).to.not.have.property(key);
          expect(text).to.not.contain(String(c.config(fake)[key]));
        }
        expect([...adapterFor(c.platform)!.secretKeys]).to.include.members(c.secrets);
      });

      it('stores a signed text message once, however often it is delivered', async () => {
        const o = message();
        o.text = `hello from ${o.userId}`;
        const r = c.textMessage(ch, o);
        const results = await Promise.all([send(r), send(r), send(r)]);
        expect(results.map((x) => x.status)).to.deep.equal([200, 200, 200]);
        const stored = await messagesOf(o.userId);
        expect(stored.map((m) => [m.type, m.text])).to.deep.equal([['text', o.text]]);
      });

      it('stores a copy that arrives after its conversation was closed once, opening nothing; the next message opens a new conversation', async () => {
        const o = message();
        o.text = `hello before closing, from ${o.userId}`;
        const r = c.textMessage(ch, o);
        expect((await send(r)).status).to.equal(200);
        const [first] = await messagesOf(o.userId);
        const closed = await app.api('POST', `/api/v1/conversations/${first.conversationId}/close`, { token: admin, body: {} });
        expect(closed.status, JSON.stringify(closed.body)).to.equal(200);
        const conversationsOfCustomer = async () => {
          const conv = await app.ctx.db.manager.findOneByOrFail(ConversationEntity, { id: first.conversationId });
          return (await app.ctx.db.manager.findBy(ConversationEntity, { customerId: conv.customerId })).map((x) => x.id);
        };
        expect((await send(r)).status).to.equal(200); // the platform's late copy
        expect((await messagesOf(o.userId)).map((m) => m.id)).to.deep.equal([first.id]);
        expect(await conversationsOfCustomer()).to.deep.equal([first.conversationId]);
        const again = message();
        const next = c.textMessage(ch, { ...again, userId: o.userId, text: `hello again, from ${o.userId}` });
        expect((await send(next)).status).to.equal(200);
        const now = await messagesOf(o.userId);
        expect(now).to.have.length(2);
        expect(now[1].conversationId).to.not.equal(first.conversationId);
        expect((await conversationsOfCustomer()).sort()).to.deep.equal([first.conversationId, now[1].conversationId].sort());
      });

      it('refuses a forged signature with 401 and stores nothing', async () => {
        const o = message();
        o.text = `hello, forged by ${o.userId}`;
        expect((await send(c.forge(c.textMessage(ch, o)))).status).to.equal(401);
        expect(await messagesOf(o.userId)).to.deep.equal([]);
      });

      it('refuses signed garbage with 400 and an unknown channel with 404, and knows a channel by its percent-encoded id', async () => {
        const before = (await storedMessages(app, ch.id)).length;
        for (const garbage of ['{', '<xml', '\u0000\u0001', 'a=%ZZ&&&=']) {
          const res = await send(c.signedBytes(ch, Buffer.from(garbage)));
          expect(res.status, `${c.platform}: ${JSON.stringify(garbage)}`).to.be.oneOf([400, 415]);
          expect(res.body.error.code).to.be.a('string');
        }
        expect((await storedMessages(app, ch.id)).length).to.equal(before);
        const r = c.textMessage(ch, message());
        expect((await send({ ...r, path: r.path.replace(ch.id, randomUUID()) })).status).to.equal(404);
        // The channel's id percent-encoded is the same channel.
        const encoded = c.textMessage(ch, message());
        expect((await send({ ...encoded, path: encoded.path.replace(ch.id, [...ch.id].map((x) => `%${x.charCodeAt(0).toString(16)}`).join('')) })).status).to.equal(200);
      });

      it('answers every signed mutation of a valid webhook with 200 or a 4xx, never a 5xx, and keeps working', async () => {
        const valid = c.textMessage(ch, message('mutated hello'));
        const odd: string[] = [];
        // FUZZ_MUTANTS and FUZZ_SEED search wider on a developer's machine; CI runs the same 80 each time.
        for (const [i, body] of mutants(valid.body, Number(process.env.FUZZ_MUTANTS ?? 80), Number(process.env.FUZZ_SEED ?? 7)).entries()) {
          const res = await send(c.signedBytes(ch, body));
          if (res.status >= 500 || (res.status !== 200 && typeof res.body?.error?.code !== 'string')) odd.push(`#${i} ${res.status}: ${body.toString('utf8').slice(0, 300)}`);
        }
        expect(odd, odd.join('\n')).to.deep.equal([]);
        expect((await app.api('GET', '/healthz')).status).to.equal(200);
        const o = message();
        o.text = `hello after the mutants, from ${o.userId}`;
        expect((await send(c.textMessage(ch, o))).status).to.equal(200);
        expect((await messagesOf(o.userId)).map((m) => m.text)).to.deep.equal([o.text]);
      });

      it('takes a gzip-compressed webhook, signed over its plain bytes, as the same message', async () => {
        const o = message();
        o.text = `hello compressed, from ${o.userId}`;
        const r = c.textMessage(ch, o);
        const res = await send({ ...r, body: gzipSync(r.body), headers: { ...r.headers, 'content-encoding': 'gzip' } });
        expect(res.status).to.equal(200);
        expect((await messagesOf(o.userId)).map((m) => m.text)).to.deep.equal([o.text]);
      });

      it('answers 413 to a body over the limit, declared or streamed without a length, stores nothing, and serves the next webhook', async () => {
        const o = message();
        o.text = `hello too large, from ${o.userId} ${'x'.repeat(1_100_000)}`;
        const r = c.textMessage(ch, o);
        const declared = await send(r);
        expect(declared.status).to.equal(413);
        expect(declared.body.error.code).to.equal('too_large');
        const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(`${app.url}${r.path}`, { method: 'POST', headers: { ...r.headers, 'transfer-encoding': 'chunked' } }, (res) => {
            let body = '';
            res.on('data', (d) => { body += d; });
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          });
          req.on('error', reject);
          for (let i = 0; i < r.body.length; i += 64 * 1024) req.write(r.body.subarray(i, i + 64 * 1024));
          req.end();
        });
        expect(streamed.status).to.equal(413);
        expect(JSON.parse(streamed.body).error.code).to.equal('too_large');
        expect(await messagesOf(o.userId)).to.deep.equal([]);
        const ok = message();
        ok.text = `hello after too large, from ${ok.userId}`;
        const twice = []; // a trailing slash is the same webhook; sent twice, stored once
        const again = c.textMessage(ch, ok);
        const slashed = { ...again, path: again.path.replace(/(\?|$)/, '/$1') };
        for (let i = 0; i < 2; i++) twice.push((await send(slashed)).status);
        expect(twice).to.deep.equal([200, 200]);
        expect((await messagesOf(ok.userId)).map((m) => m.text)).to.deep.equal([ok.text]);
      });

      /** Posts a reply as the admin (REST) and waits until it is sent or failed; the bot may write meanwhile, so all is keyed on id and text. */
      async function replyAndSettle(conversationId: string, text: string) {
        const res = await app.api('POST', `/api/v1/conversations/${conversationId}/messages`, { token: admin, body: { text, clientMessageId: randomUUID() } });
        expect(res.status).to.equal(201);
        let mine: any;
        await waitFor(async () => {
          const items = (await app.api('GET', `/api/v1/conversations/${conversationId}/messages`, { token: admin })).body.items;
          mine = items.find((x: any) => x.id === res.body.id);
          return mine?.status === 'sent' || mine?.status === 'failed';
        }, 8000, 'sent or failed');
        return mine;
      }
      const sendsWith = (text: string) => c.sends(fake).filter((r) => c.sentText(r) === text);

      it('sends a reply to the platform and records it as sent', async () => {
        const o = message();
        o.text = `reply wanted by ${o.userId}`;
        expect((await send(c.textMessage(ch, o))).status).to.equal(200);
        const [m] = await messagesOf(o.userId);
        const out = await replyAndSettle(m.conversationId, `answer for ${o.userId}`);
        expect(out).to.include({ status: 'sent', direction: 'out' });
        expect(sendsWith(`answer for ${o.userId}`)).to.have.length(1);
      });

      it('fails a reply the platform refuses for good at once, with a reason', async () => {
        const o = message();
        o.text = `doomed reply for ${o.userId}`;
        expect((await send(c.textMessage(ch, o))).status).to.equal(200);
        const [m] = await messagesOf(o.userId);
        const text = `will fail for ${o.userId}`;
        c.failSendPermanently(fake, text);
        const out = await replyAndSettle(m.conversationId, text);
        expect(out.status).to.equal('failed');
        expect(out.error).to.be.a('string').and.not.equal('');
        expect(sendsWith(text)).to.have.length(1);
      });
    });
  }
}
