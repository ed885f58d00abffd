// A real HTTP server on 127.0.0.1 (port 0) for fake platform APIs: routes, a record of every
// request, and failures on demand (any status, or no answer at all, to trip timeouts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: Buffer;
  json(): any; form(): URLSearchParams;
}

export interface FakeAnswer { status: number; body?: string | Buffer | object; headers?: Record<string, string> }
/**
 * A scripted answer: a response (given after `afterMs`, if set), 'timeout' to hold the request
 * until the server closes, or the route's own answer after a wait.
 */
export type Scripted = (FakeAnswer & { afterMs?: number }) | 'timeout' | { slowMs: number };
export type Route = (req: RecordedRequest, params: Record<string, string>) => FakeAnswer | Promise<FakeAnswer>;

export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: { method: string; pattern: RegExp; keys: string[]; handler: Route }[] = [];
  private readonly scripted = new Map<string, { match?: (req: RecordedRequest) => boolean; answer: Scripted }[]>();
  private readonly held = new Set<http.ServerResponse>();
  private readonly waiters: (() => void)[] = [];
  private server?: http.Server;
  url = '';

  /** Adds a route; `path` may hold :params ("/v2/bot/message/:id/content"). */
  route(method: string, path: string, handler: Route): this {
    const keys: string[] = [];
    const pattern = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, k: string) => { keys.push(k); return '([^/]+)'; })}$`);
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  /** The next requests to `method path` (exact path, no params) get these answers, in order. */
  failNext(method: string, path: string, ...answers: Scripted[]): void {
    this.failWhere(method, path, () => true, ...answers);
  }

  /** Like failNext, but only for requests that `match` (the app may send others meanwhile, such as bot messages). */
  failWhere(method: string, path: string, match: (req: RecordedRequest) => boolean, ...answers: Scripted[]): void {
    const k = `${method} ${path}`;
    this.scripted.set(k, [...(this.scripted.get(k) ?? []), ...answers.map((answer) => ({ match, answer }))]);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => { void this.handle(req, res); });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Requests to a path (and method), in arrival order. */
  to(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  /** Resolves once `count` requests match, or rejects after `ms`. */
  async waitFor(method: string, pathPrefix: string, count = 1, ms = 8000): Promise<RecordedRequest[]> {
    const deadline = Date.now() + ms;
    while (this.to(method, pathPrefix).length < count) {
      if (Date.now() > deadline) throw new Error(`fake server: expected ${count} ${method} ${pathPrefix}, got ${this.to(method, pathPrefix).length}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    return this.to(method, pathPrefix);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://fake');
    const body = Buffer.concat(chunks);
    // The arrival time, for tests that check how long a client waited between tries.
    req.headers['x-fake-received-at'] = String(Date.now());
    const rec: RecordedRequest = {
      method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body,
      json: () => JSON.parse(body.toString('utf8')), form: () => new URLSearchParams(body.toString('utf8')),
    };
    this.requests.push(rec);
    this.waiters.splice(0).forEach((w) => w());
    const script = this.scripted.get(`${rec.method} ${rec.path}`) ?? [];
    const i = script.findIndex((x) => !x.match || x.match(rec));
    const next = i >= 0 ? script.splice(i, 1)[0].answer : undefined;
    if (next === 'timeout') { this.held.add(res); return; }
    if (next && 'slowMs' in next) await new Promise((r) => setTimeout(r, next.slowMs));
    const scripted = next && 'status' in next ? next : undefined;
    if (scripted?.afterMs) await new Promise((r) => setTimeout(r, scripted.afterMs));
    let answer: FakeAnswer = scripted ?? { status: 404, body: { message: 'no such fake route' } };
    if (!scripted) {
      for (const r of this.routes) {
        const m = r.method === rec.method ? r.pattern.exec(rec.path) : null;
        if (!m) continue;
        answer = await r.handler(rec, Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])));
        break;
      }
    }
    const isJson = answer.body !== undefined && !Buffer.isBuffer(answer.body) && typeof answer.body === 'object';
    res.writeHead(answer.status, { ...(isJson ? { 'content-type': 'application/json' } : {}), ...answer.headers });
    res.end(isJson ? JSON.stringify(answer.body) : answer.body);
  }
}

/** Basic auth credentials of a request, or undefined. */
export function basicAuth(req: RecordedRequest): { user: string; pass: string } | undefined {
  const h = String(req.headers.authorization ?? '');
  if (!h.startsWith('Basic ')) return undefined;
  const [user, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
  return { user, pass: rest.join(':') };
}
