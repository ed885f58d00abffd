// npm run bench:outbound — agents' replies at a fixed rate (500 msg/s over 100 agents and 1,000
// Telegram and WhatsApp conversations): socket `message:send` emitted → the fake platform's send
// API received the text, p50/p99, beside a baseline socket.io server that POSTs each message to
// the same fake with axios, in the same run. Goal: p99 ≤ 50 ms at 500 msg/s.
// The world's setup runs the inbound path (every customer writes once), not the outbound one: the
// app first replies for --warmup seconds at the same rate, reported apart (its first seconds run
// on cold code: V8 has not compiled the send path yet), and is then measured.
// Options: --seconds 10 --warmup 5 --rate 500 --db sqlite|mysql --trace <path> (each drive's [sent at, ms] to <path>-<seconds>s.json)
import fs from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { percentile, round } from './bench-math.js';
import { args, repeats, sleep, startBaseline, startWorld } from './gateway/harness.js';
import { stampOf, stampText } from './gateway/webhook-shapes.js';
import { writeResult } from './gateway/results.js';
import { appAndRedisMeter, cpuMeter, machineMeter } from './process-cpu.js';
import { appMetrics, describeWrites, writesBetween } from './gateway/app-metrics.js';

const a = args();
const seconds = Number(a.seconds ?? 10);
const warmup = Number(a.warmup ?? 5);
const rate = Number(a.rate ?? 500);
const db = (a.db ?? 'sqlite') as 'sqlite' | 'mysql';
const agents = Number(a.agents ?? 100);
const users = Number(a.users ?? 1000);

interface Figures { sent: number; acked: number; received: number; duplicates: number; p50Ms: number; p99Ms: number; maxMs: number; failedAcks: number }

/** Emits `rate` messages a second for `seconds`, round robin over the targets; times their arrival at the fake. */
async function drive(targets: { socket: Socket; conversationId?: string }[], world: Awaited<ReturnType<typeof startWorld>>, seconds: number): Promise<Figures> {
  const samples: number[] = [];
  const trace: [number, number][] | undefined = a.trace ? [] : undefined;
  const seen = repeats(); // a text the platform got twice: counted, never hidden
  world.fake.onText = (text, at) => {
    const t = stampOf(text);
    if (t === undefined || !seen.first(text)) return;
    samples.push(at - t);
    trace?.push([t, at - t]);
  };
  let sent = 0, acked = 0, failedAcks = 0, seq = 0;
  const started = Date.now();
  const total = rate * seconds;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const t = targets[seq % targets.length];
      const text = stampText(++seq);
      t.socket.emit('message:send', { conversationId: t.conversationId, text, clientMessageId: `bench-${process.pid}-${seq}-${Date.now()}` }, (r: { ok: boolean }) => { if (r?.ok) acked++; else failedAcks++; });
    }
    await sleep(2);
  }
  const until = Date.now() + 15_000;
  while (samples.length < sent && Date.now() < until) await sleep(50);
  world.fake.onText = undefined;
  if (trace) fs.writeFileSync(`${a.trace}-${seconds}s.json`, JSON.stringify(trace));
  return { sent, acked, received: samples.length, duplicates: seen.twice(), failedAcks, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), maxMs: samples.length ? Math.max(...samples) : NaN };
}

async function main() {
  console.log(`bench:outbound: ${rate} msg/s for ${seconds} s, ${db}, ${users} conversations over ${agents} agents`);
  const world = await startWorld({ db, agents, users, platforms: a.platforms });

  const base = await startBaseline('relay', world.fake.url);
  const baseSockets = await Promise.all(Array.from({ length: agents }, () => new Promise<Socket>((resolve, reject) => {
    const s = io(`${base.url}/agent`, { transports: ['websocket'], forceNew: true, reconnection: false });
    s.once('connect', () => resolve(s)); s.once('connect_error', reject);
  })));
  const baseline = await drive(baseSockets.map((socket) => ({ socket })), world, seconds);
  baseSockets.forEach((s) => s.close());
  await base.stop();
  console.log(`baseline (socket.io → axios POST): p50 ${baseline.p50Ms} ms, p99 ${baseline.p99Ms} ms (${baseline.received}/${baseline.sent})`);

  const targets = [...world.holderOf.entries()].map(([conversationId, agent]) => ({ socket: agent.socket as unknown as Socket, conversationId }));
  const warm = warmup > 0 ? await drive(targets, world, warmup) : undefined;
  if (warm) console.log(`warm-up, not measured (${warmup} s from cold): p50 ${warm.p50Ms} ms, p99 ${warm.p99Ms} ms (${warm.received}/${warm.sent})`);
  const metricsBefore = await appMetrics(world.cluster.urls[0]);
  const meter = appAndRedisMeter(world.cluster.pids);
  const machine = machineMeter();
  const generatorMeter = cpuMeter([process.pid]); // the agents' sockets and the fake platform
  const app = await drive(targets, world, seconds);
  const { appMs: appCpuMs, redisMs: redisCpuMs } = meter.stop();
  const machineBusy = machine.stop();
  const [generatorMs] = generatorMeter.stop();
  const writes = writesBetween(metricsBefore, await appMetrics(world.cluster.urls[0]));
  const cpu = { appMsPerMessage: round(appCpuMs / app.sent, 3), redisMsPerMessage: round(redisCpuMs / app.sent, 3), appBusy: round(appCpuMs / (seconds * 1000), 2), machineBusy: round(machineBusy, 2), generatorCores: round(generatorMs / (seconds * 1000), 2) };
  const ratio = app.p99Ms / baseline.p99Ms;
  console.log(`app (agent emit → store → send → platform API): p50 ${app.p50Ms} ms, p99 ${app.p99Ms} ms, max ${app.maxMs} ms (${app.received}/${app.sent} received, ${app.duplicates} received twice, ${app.acked} acked, ${app.failedAcks} refused)`);
  console.log(`CPU per message: app ${cpu.appMsPerMessage} ms (busy ${Math.round(cpu.appBusy * 100)} % of a core over the sending time), Redis ${cpu.redisMsPerMessage} ms; the machine was ${Math.round(machineBusy * 100)}% busy, the agents' sockets and the fake platform used ${cpu.generatorCores} of a core`);
  const grouping = describeWrites(writes, 'units of work');
  if (grouping) console.log(grouping);
  console.log(`p99 ratio to baseline: ${round(ratio, 2)}; goal p99 ≤ 50 ms at ${rate} msg/s: ${app.p99Ms <= 50 && app.received === app.sent && app.duplicates === 0 ? 'met' : 'NOT met'}`);
  const file = writeResult('outbound', { db, seconds, warmupSeconds: warmup, rate, agents, users, baseline, warmup: warm, app, cpu, writes, p99RatioToBaseline: round(ratio, 2), goal: { rate: 500, p99Ms: 50 }, met: app.p99Ms <= 50 && app.received === app.sent && app.duplicates === 0 });
  console.log(`result: ${file}`);
  await world.stop();
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
