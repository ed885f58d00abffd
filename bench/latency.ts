// npm run bench:latency — at fixed rates (100 and 1,000 msg/s) a signed webhook is sent and the
// time until the agent's socket receives the message is taken (p50/p99), beside a baseline of a
// bare node:http → socket.io emit path measured in the same run with the same generator.
// Goal: p99 ≤ 50 ms at 1,000 msg/s. Options: --seconds 10 --rates 100,1000 --db sqlite|mysql
import { io } from 'socket.io-client';
import { percentile, round } from './bench-math.js';
import http from 'node:http';
import { args, freshSeq, latencyCollector, sleep, startBaseline, startWorld, type GatewayWorld } from './gateway/harness.js';
import { stampText } from './gateway/webhook-shapes.js';
import { writeResult } from './gateway/results.js';

const a = args();
const seconds = Number(a.seconds ?? 10);
const rates = (a.rates ?? '100,1000').split(',').map(Number);
const db = (a.db ?? 'sqlite') as 'sqlite' | 'mysql';
const agents = Number(a.agents ?? 100);
const users = Number(a.users ?? 1000);
const connections = Number(a.connections ?? 50);

interface Figures { rate: number; sent: number; received: number; receivedTwice: number; p50Ms: number; p99Ms: number; maxMs: number; non2xx: number; failures: string[] }

/**
 * Sends `rate` webhooks a second for `seconds` from one keep-alive pool, each stamped when it is
 * written (autocannon builds a request before its rate limiter lets it go, which would age the
 * stamps), and collects the stamped texts' arrival times.
 */
async function measure(url: string, world: GatewayWorld, rate: number, listen: (fn: (text: string, at: number) => void) => void): Promise<Figures> {
  const c = latencyCollector();
  let on = true;
  listen((t, at) => { if (on) c.onText(t, at); });
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  let sent = 0, ok = 0, non2xx = 0, n = 0;
  const failures: string[] = []; // the first few, as the app answered them (or the socket failed)
  const failed = (why: string) => { non2xx++; if (failures.length < 5) failures.push(why); };
  const total = rate * seconds;
  const started = Date.now();
  const post = (r: { path: string; headers: Record<string, string>; body: string }) => new Promise<void>((resolve) => {
    const req = http.request({ host: target.hostname, port: target.port, path: r.path, method: 'POST', agent, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (body.length < 300) body += d; });
      res.on('end', () => { if (res.statusCode === 200) ok++; else failed(`${res.statusCode} ${body.slice(0, 300)}`); resolve(); });
    });
    req.on('error', (err: NodeJS.ErrnoException) => { failed(`no answer: ${err.code ?? err.message}`); resolve(); });
    req.end(r.body);
  });
  const inflight: Promise<void>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const user = n++ % users;
      const seq = freshSeq();
      const { shape, path: p } = world.channels[user % world.channels.length];
      inflight.push(post(shape.request(p, user, seq, stampText(seq))));
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  agent.destroy();
  const until = Date.now() + 10_000;
  while (c.samples.length < ok && Date.now() < until) await sleep(50);
  on = false;
  return {
    rate, sent: ok, received: c.samples.length, receivedTwice: c.twice(), p50Ms: percentile(c.samples, 50), p99Ms: percentile(c.samples, 99), maxMs: Math.max(...c.samples), non2xx, failures,
  };
}

async function main() {
  console.log(`bench:latency: ${seconds} s per rate, rates ${rates.join(', ')} msg/s, ${db}, ${users} conversations over ${agents} agents`);
  const world = await startWorld({ db, agents, users, platforms: a.platforms });

  // Baseline: bare HTTP → socket.io emit to one of as many agent sockets as the app has.
  const base = await startBaseline('emit');
  const baseListeners: ((t: string, at: number) => void)[] = [];
  const sockets = await Promise.all(Array.from({ length: agents }, () => new Promise<ReturnType<typeof io>>((resolve, reject) => {
    const s = io(`${base.url}/agent`, { transports: ['websocket'], forceNew: true, reconnection: false });
    s.on('message:new', (p: { message: { text: string } }) => { const at = Date.now(); baseListeners.forEach((fn) => fn(p.message.text, at)); });
    s.once('connect', () => resolve(s)); s.once('connect_error', reject);
  })));
  const baseline: Figures[] = [];
  const app: Figures[] = [];
  for (const rate of rates) {
    const f = await measure(base.url, world, rate, (fn) => baseListeners.push(fn));
    baseline.push(f);
    console.log(`baseline (bare HTTP → socket.io emit) at ${rate} msg/s: p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.received}/${f.sent} received)`);
  }
  sockets.forEach((s) => s.close());
  await base.stop();

  for (const rate of rates) {
    const f = await measure(world.cluster.urls[0], world, rate, (fn) => world.onAgentText(fn));
    app.push(f);
    const b = baseline.find((x) => x.rate === rate)!;
    console.log(`app (webhook → agent socket) at ${rate} msg/s: p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms (${f.received}/${f.sent} received, ${f.receivedTwice} received twice, ${f.non2xx} non-2xx); p99 ratio to baseline ${round(f.p99Ms / b.p99Ms, 2)}`);
    for (const why of f.failures) console.log(`  not answered 200: ${why}`);
  }
  const top = app.find((f) => f.rate === 1000);
  if (top) console.log(`goal p99 ≤ 50 ms at 1,000 msg/s: ${top.p99Ms <= 50 && top.received === top.sent && top.receivedTwice === 0 ? 'met' : 'NOT met'} (${top.p99Ms} ms)`);
  const file = writeResult('latency', { db, seconds, agents, users, baseline, app, p99RatioToBaseline: app.map((f, i) => round(f.p99Ms / baseline[i].p99Ms, 2)), goal: { rate: 1000, p99Ms: 50 }, met: top ? top.p99Ms <= 50 && top.received === top.sent && top.receivedTwice === 0 : null });
  console.log(`result: ${file}`);
  await world.stop();
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
