// A webhook whose body trickles in (someone holding connections open) is answered 408 once
// WEBHOOK_BODY_TIMEOUT_MS has passed since its headers, on both the fast path and Express's (a
// compressed body), its connection is closed, nothing is stored, and the next webhook is served.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { WITHOUT_MEDIA_FETCH, createChannel, postWebhook, storedMessages } from '../helpers/gateway.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import type { FakeHttpServer } from '../fakes/fake-http-server.js';
import { CASES, type ChannelUnderTest, type SignedRequest } from './conformance/cases.js';

const DEADLINE_MS = 400;
const telegram = CASES.find((c) => c.platform === 'telegram')!;

/**
 * Sends the headers (declaring the whole body's length), then the first `parts` of the body
 * `gapMs` apart, ending it only if `end`; resolves with the answer and whether the server closed
 * the connection.
 */
function trickle(app: TestApp, r: SignedRequest, o: { body: Buffer; parts: Buffer[]; gapMs: number; end: boolean }): Promise<{ status: number; body: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: true });
    const req = http.request(`${app.url}${r.path}`, { method: 'POST', agent, headers: { ...r.headers, 'content-length': o.body.length } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        const socket = req.socket!;
        // A kept-alive connection stays open; one the server closed ends (or has ended already).
        const settle = (closed: boolean) => { agent.destroy(); resolve({ status: res.statusCode!, body, closed }); };
        if (socket.destroyed || socket.readableEnded) settle(true);
        else {
          const t = setTimeout(() => settle(false), 300);
          socket.once('close', () => { clearTimeout(t); settle(true); });
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err); });
    req.flushHeaders();
    let i = 0;
    const next = () => {
      if (i < o.parts.length) { req.write(o.parts[i++]); setTimeout(next, o.gapMs); } else if (o.end) req.end();
    };
    next();
  });
}

describe('webhook body deadline', function () {
  let app: TestApp;
  let fake: FakeHttpServer;
  let ch: ChannelUnderTest;
  let n = 0;
  const message = (text: string) => {
    const userId = telegram.userId(++n);
    return { userId, messageId: `m${n}-${randomUUID()}`, text: `${text}, from ${userId}` };
  };
  const halves = (b: Buffer) => [b.subarray(0, b.length >> 1), b.subarray(b.length >> 1)];

  before(async () => {
    app = await startTestApp({ db: 'sqlite', services: WITHOUT_MEDIA_FETCH, env: { WEBHOOK_BODY_TIMEOUT_MS: String(DEADLINE_MS) } });
    fake = await telegram.startFake();
    ch = await createChannel(app, 'telegram', telegram.config(fake));
  });
  after(async () => {
    await fake?.close();
    await app?.stop();
  });
  const messagesOf = async (userId: string) => (await storedMessages(app, ch.id)).filter((m) => m.text?.includes(userId));

  it('answers 408 to a body that stops halfway, closes the connection and stores nothing', async () => {
    const o = message('never finished');
    const r = telegram.textMessage(ch, o);
    const started = Date.now();
    const res = await trickle(app, r, { body: r.body, parts: [halves(r.body)[0]], gapMs: 0, end: false });
    expect(res.status, res.body).to.equal(408);
    expect(JSON.parse(res.body).error.code).to.equal('request_timeout');
    expect(JSON.parse(res.body).error.message).to.match(/did not arrive within 0\.4 s/);
    expect(res.closed, 'connection closed').to.equal(true);
    expect(Date.now() - started).to.be.at.least(DEADLINE_MS - 50);
    expect(await messagesOf(o.userId)).to.deep.equal([]);
  });

  it('answers 408 to a compressed body that trickles past the deadline (Express\'s path), and stores nothing', async () => {
    const o = message('gzip trickled');
    const r = telegram.textMessage(ch, o);
    const gz = gzipSync(r.body);
    const res = await trickle(app, { ...r, headers: { ...r.headers, 'content-encoding': 'gzip' } }, { body: gz, parts: [gz.subarray(0, 10), gz.subarray(10)], gapMs: DEADLINE_MS + 300, end: true });
    expect(res.status).to.equal(408);
    expect(JSON.parse(res.body).error.code).to.equal('request_timeout');
    expect(await messagesOf(o.userId)).to.deep.equal([]);
  });

  it('stores a body that arrives in parts within the deadline, and serves the next webhook after a refused one', async () => {
    const o = message('in parts');
    const r = telegram.textMessage(ch, o);
    const parts = [r.body.subarray(0, 20), r.body.subarray(20, 60), r.body.subarray(60)];
    const res = await trickle(app, r, { body: r.body, parts, gapMs: 50, end: true });
    expect(res.status, res.body).to.equal(200);
    expect(res.closed, 'kept alive').to.equal(false);
    const next = message('after');
    const after = telegram.textMessage(ch, next);
    expect((await postWebhook(app, after.path, after.body, after.headers)).status).to.equal(200);
    expect((await messagesOf(o.userId)).map((m) => m.text)).to.have.length(1);
    expect((await messagesOf(next.userId)).map((m) => m.text)).to.have.length(1);
  });
});
