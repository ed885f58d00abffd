// Platform calls made on the HTTP thread must look, to the adapters, exactly as calls made by
// axios's own http adapter: each case runs through a platformHttp instance and through a plain
// axios instance with the same settings, against one real server on 127.0.0.1, and the two
// results are compared.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import axios, { type AxiosInstance } from 'axios';
import { platformHttp } from '../../gateway/http/platform-http.js';
import { platformHttpThreadStats, stopPlatformHttpThread } from '../../gateway/http/platform-http-thread.js';
import { downloadMedia } from '../../gateway/http/download-media.js';

/** A JSON body as its value, any other as its text. */
function parsed(body: string): unknown {
  try { return body ? JSON.parse(body) : null; } catch { return body; }
}

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

describe('Platform calls on their own thread', function () {
  let server: http.Server;
  let base = '';
  const seen: Seen[] = [];
  const held = new Set<http.ServerResponse>();

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { body += c; });
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const path = req.url!.split('?')[0];
        if (path === '/json') res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r1' }).end(JSON.stringify({ ok: true, echo: parsed(body), query: req.url!.split('?')[1] ?? '' }));
        else if (path === '/rate-limited') res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' }).end('{"error":{"code":4,"message":"slow down"}}');
        else if (path === '/broken') res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
        else if (path === '/redirect') res.writeHead(302, { location: '/json' }).end();
        else if (path === '/text') res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('héllo, 世界');
        else if (path === '/file') res.writeHead(200, { 'content-type': 'image/png', 'content-length': '4' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        else if (path === '/never') held.add(res);
        else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** axios with platformHttp's settings and its own http adapter: what every call used to be. */
  const reference = (timeout = 2000): AxiosInstance => axios.create({ baseURL: base, timeout, proxy: false, maxRedirects: 0, adapter: 'http' });

  /** What a caller can see of a result: the response's parts, or the error's. */
  async function outcome(call: Promise<any>) {
    try {
      const r = await call;
      return { status: r.status, data: r.data, type: r.headers['content-type'], id: r.headers['x-request-id'] };
    } catch (err: any) {
      const r = err.response;
      return { error: err.constructor.name, isAxios: axios.isAxiosError(err), code: err.code, message: err.message, status: r?.status, data: r?.data, retryAfter: r?.headers['retry-after'] };
    }
  }

  it('makes plain calls on the thread, with the same results as axios on this thread', async () => {
    const cases: [string, (h: AxiosInstance) => Promise<unknown>][] = [
      ['JSON in and out, with query parameters', (h) => h.post('/json', { text: 'hi 👋', n: 1 }, { params: { access_token: 'a b&c' } })],
      ['429 with Retry-After and an error body', (h) => h.post('/rate-limited', { text: 'hi' })],
      ['502 with an HTML body', (h) => h.get('/broken')],
      ['a redirect is not followed', (h) => h.get('/redirect')],
      ['a UTF-8 text answer', (h) => h.get('/text')],
      ['a form body as a string', (h) => h.post('/json', new URLSearchParams({ To: '+15550001', Body: 'x' }).toString(), { headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
      ['an absolute URL beside the base URL', (h) => h.get(`${base}/json`)],
      ['a path nobody serves', (h) => h.delete('/nothing')],
    ];
    for (const [name, call] of cases) {
      const before = platformHttpThreadStats.offThread;
      const ours = await outcome(call(platformHttp(base, 2000)));
      expect(platformHttpThreadStats.offThread, name).to.equal(before + 1);
      const theirs = await outcome(call(reference()));
      expect(ours, name).to.deep.equal(theirs);
    }
  });

  it('sends the same request: method, path, query, headers, basic auth and body bytes', async () => {
    const send = (h: AxiosInstance) => h.post('/json', { text: 'é' }, { params: { a: 1 }, auth: { username: 'AC123', password: 's3cret' }, headers: { 'x-trace': 't1' } });
    seen.length = 0;
    await send(platformHttp(base, 2000));
    await send(reference());
    const [ours, theirs] = seen;
    const keep = (s: Seen) => ({ method: s.method, url: s.url, body: s.body, headers: { ...s.headers, connection: undefined } });
    expect(keep(ours)).to.deep.equal(keep(theirs));
    expect(ours.headers.authorization).to.equal(`Basic ${Buffer.from('AC123:s3cret').toString('base64')}`);
    expect(ours.headers['x-trace']).to.equal('t1');
  });

  it('times out as axios does, and reports a refused connection by its code', async () => {
    const started = Date.now();
    const ours = await outcome(platformHttp(base, 300).get('/never'));
    expect(Date.now() - started).to.be.within(250, 2000);
    expect(ours).to.deep.equal(await outcome(reference(300).get('/never')));
    expect(ours).to.include({ isAxios: true, code: 'ECONNABORTED', message: 'timeout of 300ms exceeded' });

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const nobody = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const refused = await outcome(platformHttp(nobody, 2000).get('/json'));
    expect(refused).to.include({ isAxios: true, code: 'ECONNREFUSED' });
  });

  it('keeps streams, buffers and signals on this thread', async () => {
    const before = { ...platformHttpThreadStats };
    const file = await downloadMedia(platformHttp(base, 2000), '/file', { maxBytes: 100, platform: 'test' });
    const bytes: Buffer[] = [];
    for await (const chunk of file.body) bytes.push(chunk as Buffer);
    expect(Buffer.concat(bytes)).to.deep.equal(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const echoed = await platformHttp(base, 2000).post('/json', Buffer.from('{"raw":true}'), { headers: { 'content-type': 'application/json' } });
    expect(echoed.data.echo).to.deep.equal({ raw: true });
    await platformHttp(base, 2000).get('/json', { signal: new AbortController().signal });
    expect(platformHttpThreadStats.onThisThread - before.onThisThread).to.equal(3);
    expect(platformHttpThreadStats.offThread - before.offThread).to.equal(0);
  });

  it('fails the calls in flight as network errors when the thread stops, and starts a new one for the next call', async () => {
    const pending = outcome(platformHttp(base, 5000).get('/never'));
    while (held.size === 0) await new Promise((r) => setTimeout(r, 10));
    await stopPlatformHttpThread();
    const cut = await pending;
    expect(cut).to.include({ isAxios: true, code: 'ERR_NETWORK' });
    expect(cut.message).to.match(/cut short/);
    const after = await outcome(platformHttp(base, 2000).get('/json'));
    expect(after).to.include({ status: 200 });
  });

  /** Runs `script` (an ES module, from the project's root) in a child process; its exit code (null if it had to be killed) and output. */
  async function runAlone(script: string): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c; });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => { child.kill(); resolve(null); }, 15_000);
      child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
    });
    return { code, out: out.trim() };
  }

  it('does not keep a process alive once its calls are answered', async function () {
    this.timeout(20_000);
    const { code, out } = await runAlone(`
      import { platformHttp } from './gateway/http/platform-http.ts';
      const r = await platformHttp(${JSON.stringify(base)}, 2000).get('/json');
      console.log(r.status);`);
    expect(code, 'the process exits by itself').to.equal(0);
    expect(out).to.equal('200');
  });

  it('does not keep a process alive when started ahead of any call (as the gateway starts it)', async function () {
    this.timeout(20_000);
    const { code, out } = await runAlone(`
      import { startPlatformHttpThread } from './gateway/http/platform-http-thread.ts';
      startPlatformHttpThread();
      console.log('started');`);
    expect(code, 'the process exits by itself').to.equal(0);
    expect(out).to.equal('started');
  });
});
