// npm run bench:routing: the routing engine's figures, each beside a baseline measured in the same
// run. 1) freed capacity → next assignment at the agent's socket (p50/p99) and assignments/s with
// one and two app processes; 2) Poisson/exponential traffic at concurrency 1 against Erlang C;
// 3) at concurrency 3, least loaded against round robin on identical traffic. JSON to bench/results/.
import fs from 'node:fs';
import path from 'node:path';
import { averageSpeedOfAnswer, probabilityOfWaiting, serviceLevel } from '../queue-machine/erlang-c.js';
import { percentile, round } from './bench-math.js';
import { Cluster } from './routing-cluster.js';
import { assignmentRate, freedCapacityLatency, type LatencySamples } from './routing-latency.js';
import { simulate, type SimResult } from './routing-quality.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1); // 0.2 for a quick look
const ONLY = process.env.BENCH_ONLY; // 'latency', 'erlang' or 'policies' to run one part
const n = (x: number) => Math.max(20, Math.round(x * SCALE));
// Time compression: 240 s of handling (a typical chat) is 400 ms here, so 1 s here is 600 s of real time.
const AHT_SIM_S = 240, AHT_MS = 400, SL_SIM_S = 20;
const COMPRESSION = (AHT_SIM_S * 1000) / AHT_MS;
const THRESHOLD_MS = (SL_SIM_S * 1000) / COMPRESSION;

function erlang(r: Pick<SimResult, 'arrivalsPerSecond' | 'holdingMs'>, servers: number) {
  const traffic = r.arrivalsPerSecond * (r.holdingMs / 1000);
  return {
    traffic: round(traffic, 3),
    probabilityOfWaiting: probabilityOfWaiting(traffic, servers),
    averageWaitMs: averageSpeedOfAnswer(traffic, servers, r.holdingMs),
    serviceLevel: serviceLevel(traffic, servers, r.holdingMs, THRESHOLD_MS),
  };
}

const pct = (x: number) => `${round(x * 100, 1)} %`;
const line = (s = '') => process.stdout.write(s + '\n');

async function main(): Promise<void> {
  const results: Record<string, unknown> = { when: new Date().toISOString(), scale: SCALE, compression: COMPRESSION };
  const c = await Cluster.start();
  try {
    line(`# Routing benchmark (scale ${SCALE}; app processes on MariaDB + Redis; time compression ${COMPRESSION}x)`);

    // 1. Latency and throughput.
    if (!ONLY || ONLY === 'latency') {
    // Twice: agents closing at once (the deployment saturated by the measurement itself), and
    // agents holding each conversation a while (a steady rate well below what it can do, as a
    // contact center runs: assignments come at human pace).
    const summary = (lat: LatencySamples) => ({
      samples: lat.closeToReceived.length, perSecond: round(lat.perSecond, 0), machineBusy: round(lat.machineBusy, 3),
      closeToReceived: { p50: percentile(lat.closeToReceived, 50), p99: percentile(lat.closeToReceived, 99) },
      freedToReceived: { p50: percentile(lat.freedToReceived, 50), p99: percentile(lat.freedToReceived, 99) },
    });
    const saturated = summary(await freedCapacityLatency(c, { agents: 4, samples: n(2000) }));
    const paced = summary(await freedCapacityLatency(c, { agents: 8, samples: n(1500), holdMs: 200 }));
    results.latency = { ...saturated, paced };
    line(`\n## 1. Freed capacity → next assignment received by the agent's socket`);
    for (const [name, l] of [['agents close at once (saturated)', saturated], ['agents hold each ~200 ms (steady)', paced]] as const) {
      line(`  ${name}: ${l.samples} samples, ${l.perSecond} assignments/s, machine ${pct(l.machineBusy)} busy`);
      line(`    engine's assignment instant (capacity freed) → received: p50 ${l.freedToReceived.p50} ms, p99 ${l.freedToReceived.p99} ms (goal p99 ≤ 20 ms: ${l.freedToReceived.p99 <= 20 ? 'met' : 'NOT met'})`);
      line(`    agent's close sent → next assignment received:           p50 ${l.closeToReceived.p50} ms, p99 ${l.closeToReceived.p99} ms`);
    }

    const one = await assignmentRate(c, { agents: 20, capacity: 5, conversations: n(3000), urls: [c.urls[0]] });
    await c.addProcess();
    const two = await assignmentRate(c, { agents: 20, capacity: 5, conversations: n(3000), urls: c.urls });
    results.throughput = { oneProcess: one, twoProcesses: two, ratio: two.perSecond / one.perSecond };
    line(`\n## Assignments per second (20 agents × 5, agents close each at once)`);
    line(`  one app process:   ${round(one.perSecond, 0)} /s   (machine ${pct(one.machineBusy)} busy over its ${one.cores} cores)`);
    line(`  two app processes: ${round(two.perSecond, 0)} /s   (ratio to one: ${round(two.perSecond / one.perSecond, 2)}; machine ${pct(two.machineBusy)} busy: the app processes share its ${two.cores} cores with MariaDB, Redis and this benchmark)`);
    }

    // 2. Concurrency 1 against Erlang C.
    if (!ONLY || ONLY === 'erlang') {
    // Many small independent replicas at once: an ideal M/M/c's own average wait varies by ±10 % over a
    // few thousand customers, so the comparison needs tens of thousands to mean anything.
    const agents1 = 4, traffic1 = 2.4, replicas = 12;
    const sim1 = await simulate(c, Array.from({ length: replicas }, (_, i) => ({ label: `erlang ${i}`, policy: 'least-loaded', agents: agents1, capacity: 1, seed: 40 + i })),
      { arrivalsPerSecond: traffic1 / (AHT_MS / 1000), ahtMs: AHT_MS, arrivals: n(1500), thresholdMs: THRESHOLD_MS, seed: 42, warmupShare: 0.1 });
    const total = sim1.reduce((a, r) => a + r.customers, 0);
    const weighted = (f: (r: SimResult) => number) => sim1.reduce((a, r) => a + f(r) * r.customers, 0) / total;
    const pooled = {
      customers: total, probabilityOfWaiting: weighted((r) => r.probabilityOfWaiting), averageWaitMs: weighted((r) => r.averageWaitMs),
      serviceLevel: weighted((r) => r.serviceLevel), holdingMs: weighted((r) => r.holdingMs), arrivalsPerSecond: weighted((r) => r.arrivalsPerSecond),
      replay: { probabilityOfWaiting: weighted((r) => r.replay.probabilityOfWaiting), averageWaitMs: weighted((r) => r.replay.averageWaitMs), serviceLevel: weighted((r) => r.replay.serviceLevel) },
    };
    const theory = erlang(pooled, agents1);
    const nominal = { probabilityOfWaiting: probabilityOfWaiting(traffic1, agents1), averageWaitMs: averageSpeedOfAnswer(traffic1, agents1, AHT_MS), serviceLevel: serviceLevel(traffic1, agents1, AHT_MS, THRESHOLD_MS) };
    results.concurrency1 = { replicas: sim1, pooled, erlangC: theory, erlangCNominal: nominal, thresholdMs: THRESHOLD_MS };
    line(`\n## 2. Concurrency 1: ${agents1} agents, ${traffic1} erlangs offered, AHT ${AHT_SIM_S} s (${AHT_MS} ms here), SL threshold ${SL_SIM_S} s (${round(THRESHOLD_MS, 1)} ms here)`);
    const simS = (ms: number) => round(ms * COMPRESSION / 1000, 2).toString();
    line(`  ${pooled.customers} customers measured (${replicas} independent replicas at once, after warm-up); measured load ${theory.traffic} erlangs per replica (arrivals ${round(pooled.arrivalsPerSecond, 2)}/s × holding ${round(pooled.holdingMs, 1)} ms)`);
    line(`                       measured    Erlang C (measured load)   ratio      ideal router, same inputs   Erlang C (nominal)`);
    line(`  P(wait)              ${pct(pooled.probabilityOfWaiting).padEnd(11)} ${pct(theory.probabilityOfWaiting).padEnd(26)} ${round(pooled.probabilityOfWaiting / theory.probabilityOfWaiting, 3).toString().padEnd(10)} ${pct(pooled.replay.probabilityOfWaiting).padEnd(27)} ${pct(nominal.probabilityOfWaiting)}`);
    line(`  average wait (sim s) ${simS(pooled.averageWaitMs).padEnd(11)} ${simS(theory.averageWaitMs).padEnd(26)} ${round(pooled.averageWaitMs / theory.averageWaitMs, 3).toString().padEnd(10)} ${simS(pooled.replay.averageWaitMs).padEnd(27)} ${simS(nominal.averageWaitMs)}`);
    line(`  service level        ${pct(pooled.serviceLevel).padEnd(11)} ${pct(theory.serviceLevel).padEnd(26)} ${(round((pooled.serviceLevel - theory.serviceLevel) * 100, 2) + ' pts').padEnd(10)} ${pct(pooled.replay.serviceLevel).padEnd(27)} ${pct(nominal.serviceLevel)}`);
    line(`  (goal: service level within 3 points, average wait within 15 %; engine → socket delivery p50 ${sim1[0].deliveryP50Ms} ms, not counted as wait)`);
    line(`  ratio measured / ideal router on the same inputs: average wait ${round(pooled.averageWaitMs / pooled.replay.averageWaitMs, 3)}, service level ${round((pooled.serviceLevel - pooled.replay.serviceLevel) * 100, 2)} pts`);
    }

    // 3. Concurrency 3: least loaded against round robin on identical traffic.
    if (!ONLY || ONLY === 'policies') {
    const agents3 = 6, traffic3 = 14;
    const sim3 = await simulate(c, [
      { label: 'least loaded', policy: 'least-loaded', agents: agents3, capacity: 3 },
      { label: 'round robin', policy: 'round-robin', agents: agents3, capacity: 3 },
    ], { arrivalsPerSecond: traffic3 / (AHT_MS / 1000), ahtMs: AHT_MS, arrivals: n(1600), thresholdMs: THRESHOLD_MS, seed: 7, warmupShare: 0.1 });
    results.concurrency3 = sim3.map((r) => ({ ...r, erlangC: erlang(r, agents3 * 3) }));
    line(`\n## 3. Concurrency 3: ${agents3} agents × 3 chats, ${traffic3} erlangs offered, the same arrivals and handling for both policies`);
    line(`                      service level   avg wait (sim s)   P(wait)    load spread: per-agent time-avg CV   mean stdev of loads`);
    for (const r of sim3) {
      line(`  ${r.label.padEnd(19)} ${pct(r.serviceLevel).padEnd(15)} ${round(r.averageWaitMs * COMPRESSION / 1000, 2).toString().padEnd(18)} ${pct(r.probabilityOfWaiting).padEnd(10)} ${round(r.loadSpread.timeAverageLoadCv, 3).toString().padEnd(36)} ${round(r.loadSpread.meanInstantStdev, 3)}`);
    }
    const [ll, rr] = sim3;
    line(`  ratio round robin / least loaded: load stdev ${round(rr.loadSpread.meanInstantStdev / ll.loadSpread.meanInstantStdev, 2)}, service level ${round(rr.serviceLevel / ll.serviceLevel, 3)}; Erlang C (M/M/${agents3 * 3}) service level ${pct(erlang(ll, agents3 * 3).serviceLevel)}`);
    }
  } finally {
    await c.stop();
  }
  const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `routing-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  line(`\nwrote ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}

main().catch((err) => { process.stderr.write(`bench failed: ${(err as Error).stack}\n`); process.exit(1); });
