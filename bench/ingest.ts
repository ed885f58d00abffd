// npm run bench:ingest — signed webhooks (Telegram and WhatsApp shapes) through the full path
// (verify, store, route, deliver to a connected agent socket) with 1,000 conversations over 100
// agents, against a bare node:http server that parses the same JSON and answers 200. Both are
// loaded by the same autocannon (no pipelining) in this run. Goal: ratio 0.25 or better.
// 100 connections by default: the figure is a capacity, so the app must be saturated. With 32,
// autocannon waited on the app's latency instead (each webhook is answered after its group commit
// and fsync, 5-7 ms), and the app still had CPU to spare; the bare server is limited by
// autocannon either way (a little less with more connections).
// Options: --seconds 10 --connections 100 --db sqlite|mysql --agents 100 --users 1000 --platforms telegram,whatsapp
import { round } from './bench-math.js';
import { args, load, sleep, startBaseline, startWorld } from './gateway/harness.js';
import { writeResult } from './gateway/results.js';
import { appAndRedisMeter, cpuMeter, machineMeter } from './process-cpu.js';

const a = args();
const seconds = Number(a.seconds ?? 10);
const connections = Number(a.connections ?? 100);
const db = (a.db ?? 'sqlite') as 'sqlite' | 'mysql';
const agents = Number(a.agents ?? 100);
const users = Number(a.users ?? 1000);

async function main() {
  console.log(`bench:ingest: ${seconds} s per run, ${connections} connections, ${db}, ${users} conversations over ${agents} agents`);
  const world = await startWorld({ db, agents, users, platforms: a.platforms });
  let delivered = 0;
  let lastDeliveredAt = 0;
  world.onAgentText((text, at) => { if (text.startsWith('ingest ')) { delivered++; lastDeliveredAt = at; } });

  // The baseline: same generator, same bodies, a server that only parses JSON. It is run before
  // and after the app, and the ratio taken to their mean: on a shared machine the bare server's
  // figure alone moved from 10k to 18k req/s within an hour, so one sample is not a baseline.
  const runBaseline = async () => {
    const base = await startBaseline('ingest');
    const b = await load({ url: base.url, channels: world.channels, users, seconds, connections, text: (s) => `ingest ${s}` });
    await base.stop();
    return { requestsPerSecond: b.requests.average, total: b.requests.total, non2xx: b.non2xx, errors: b.errors, p99Ms: b.latency.p99 };
  };
  const before = await runBaseline();
  console.log(`baseline before (bare node:http + JSON.parse): ${round(before.requestsPerSecond, 0)} req/s, p99 ${before.p99Ms} ms`);

  const started = Date.now();
  const meter = appAndRedisMeter(world.cluster.pids);
  const machine = machineMeter();
  const generatorMeter = cpuMeter([process.pid]);
  const r = await load({ url: world.cluster.urls[0], channels: world.channels, users, seconds, connections, text: (s) => `ingest ${s}` });
  // Where the load window's CPU went: the machine's share busy, and this process (autocannon and
  // the 100 agent sockets), which shares the machine's two cores with the app.
  const machineBusy = machine.stop();
  const [generatorMs] = generatorMeter.stop();
  const generatorShare = generatorMs / (Date.now() - started);
  const accepted = r['2xx'];
  // Every acknowledged message must reach its agent: wait for the stragglers.
  const until = Date.now() + 30_000;
  while (delivered < accepted && Date.now() < until) await sleep(50);
  const deliveredPerSecond = delivered / ((lastDeliveredAt - started) / 1000);
  const { appMs: appCpuMs, redisMs: redisCpuMs } = meter.stop();
  const cpu = {
    appMsPerMessage: round(appCpuMs / delivered, 3), redisMsPerMessage: round(redisCpuMs / delivered, 3),
    machineBusy: round(machineBusy, 3), loadGeneratorCores: round(generatorShare, 3),
  };
  const app = {
    acceptedPerSecond: r.requests.average, accepted, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, p50Ms: r.latency.p50, p99Ms: r.latency.p99,
    // autocannon counts answers within its window; requests in flight when it stopped are delivered but not counted.
    delivered, deliveredPerSecond, lost: Math.max(0, accepted - delivered),
  };
  console.log(`app (verify → store → route → agent socket): ${round(app.acceptedPerSecond, 0)} webhooks/s acknowledged, ${round(deliveredPerSecond, 0)} msg/s delivered to agents; webhook p50 ${app.p50Ms} ms, p99 ${app.p99Ms} ms; ${app.non2xx} non-2xx, ${app.errors} errors`);
  console.log(`CPU per message: app ${cpu.appMsPerMessage} ms, Redis ${cpu.redisMsPerMessage} ms; during the load the machine was ${round(100 * machineBusy, 0)}% busy, the load generator and agent sockets used ${round(generatorShare, 2)} of a core`);
  console.log(`delivered ${delivered} of ${accepted} acknowledged${app.lost ? ` (${app.lost} NOT delivered within 30 s)` : ''}`);
  const after = await runBaseline();
  console.log(`baseline after: ${round(after.requestsPerSecond, 0)} req/s, p99 ${after.p99Ms} ms`);
  const baseline = { requestsPerSecond: (before.requestsPerSecond + after.requestsPerSecond) / 2, before, after };
  const ratio = deliveredPerSecond / baseline.requestsPerSecond;
  console.log(`ratio app/baseline: ${round(ratio, 3)} (to the baselines' mean, ${round(baseline.requestsPerSecond, 0)} req/s; to each: ${round(deliveredPerSecond / before.requestsPerSecond, 3)} and ${round(deliveredPerSecond / after.requestsPerSecond, 3)}) (goal ≥ 0.25)`);
  const file = writeResult('ingest', { db, seconds, connections, agents, users, baseline, app, cpu, ratio, goal: 0.25, met: ratio >= 0.25 && app.lost === 0 });
  console.log(`result: ${file}`);
  await world.stop();
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
