// Routing quality: Poisson arrivals and exponential handling times, time-compressed, through the
// real queue machine and app processes, served by simulated agents over their console sockets.
// Several queues run at once on the very same arrivals and handling times (common random numbers),
// so that two policies are compared on identical work. Waits are the engine's own instants.
import { In } from 'typeorm';
import { RoutingEventEntity } from '../shared/db/entities/index.js';
import { exponential, mean, seeded, stdev } from './bench-math.js';
import { Cluster } from './routing-cluster.js';

export interface SimQueue { label: string; policy: string; agents: number; capacity: number; seed?: number }
export interface SimParams { arrivalsPerSecond: number; ahtMs: number; arrivals: number; thresholdMs: number; seed: number; warmupShare: number }

export interface SimResult {
  label: string; policy: string; agents: number; capacity: number; customers: number;
  arrivalsPerSecond: number;          // measured
  holdingMs: number;                  // measured: the engine's assignment → the close, per conversation
  probabilityOfWaiting: number;       // arrivals not assigned the moment they queued
  averageWaitMs: number;
  serviceLevel: number;               // share answered within the threshold
  deliveryP50Ms: number;              // assignment instant → agent's socket, the routing overhead in the waits' shadow
  /** An ideal, instantaneous first-come-first-served router replayed on the very same arrivals and holding times. */
  replay: { probabilityOfWaiting: number; averageWaitMs: number; serviceLevel: number };
  loadSpread: { assignmentsCv: number; timeAverageLoadCv: number; meanInstantStdev: number };
}

interface Visit { arrival: number; immediate: boolean; assignedAt?: number; receivedAt?: number; agentId?: string }

export async function simulate(c: Cluster, queues: SimQueue[], p: SimParams): Promise<SimResult[]> {
  // Queues with the same seed get the same arrival gaps and handling times (common random numbers).
  const draws = (seed: number) => {
    const rand = seeded(seed);
    return {
      gaps: Array.from({ length: p.arrivals }, () => exponential(rand, 1000 / p.arrivalsPerSecond)),
      handling: Array.from({ length: p.arrivals }, () => exponential(rand, p.ahtMs)),
    };
  };
  const runs = await Promise.all(queues.map(async (q) => {
    const queueId = await c.createQueue(`${q.label} ${Date.now()}`, { policy: q.policy });
    const agents = await c.createAgents(q.agents, queueId, q.capacity);
    const ids = await c.conversations(p.arrivals, queueId);
    return { q, queueId, agents, ids, index: new Map(ids.map((id, i) => [id, i])), visits: [] as Visit[], ...draws(q.seed ?? p.seed) };
  }));

  const started = Date.now();
  const load = new Map<string, { now: number; area: number; since: number; count: number }>();
  const instantStdevs = new Map<string, number[]>(runs.map((r) => [r.queueId, []]));
  for (const r of runs) {
    for (const a of r.agents) {
      const l = { now: 0, area: 0, since: started, count: 0 };
      load.set(a.id, l);
      const change = (d: number) => { const t = Date.now(); l.area += l.now * (t - l.since); l.since = t; l.now += d; };
      a.socket!.on('conversation:assigned', (m: { conversation: { id: string; assignedAt?: string } }) => {
        const i = r.index.get(m.conversation.id);
        if (i === undefined) return;
        const v = r.visits[i];
        Object.assign(v, { receivedAt: Date.now(), assignedAt: m.conversation.assignedAt ? Date.parse(m.conversation.assignedAt) : Date.now(), agentId: a.id });
        change(1);
        l.count++;
        setTimeout(() => { change(-1); a.socket!.emit('conversation:close', { conversationId: m.conversation.id }, () => {}); }, r.handling[i]);
      });
    }
    await Cluster.setOnline(r.agents);
  }
  const sampler = setInterval(() => {
    for (const r of runs) instantStdevs.get(r.queueId)!.push(stdev(r.agents.map((a) => load.get(a.id)!.now)));
  }, 50);

  // Arrivals at Poisson times, each queue on its own clock.
  await Promise.all(runs.map(async (r) => {
    let at = Date.now();
    for (let i = 0; i < p.arrivals; i++) {
      at += r.gaps[i];
      const wait = at - Date.now();
      if (wait > 1) await new Promise((res) => setTimeout(res, wait));
      r.visits[i] = { arrival: Date.now(), immediate: false };
      void c.enqueue(r.ids[i], r.queueId).then((made) => { r.visits[i].immediate = made.some((x) => x.conversationId === r.ids[i]); });
    }
  }));
  const deadline = Date.now() + 60_000;
  while (runs.some((r) => r.visits.some((v) => v.receivedAt === undefined)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  await new Promise((res) => setTimeout(res, p.ahtMs * 4)); // let the last conversations close
  clearInterval(sampler);

  return Promise.all(runs.map(async (r) => {
    const counted = r.visits.slice(Math.floor(p.arrivals * p.warmupShare)).filter((v) => v.assignedAt !== undefined);
    const waits = counted.map((v) => Math.max(0, v.assignedAt! - v.arrival));
    const closes = await c.ctx.db.manager.find(RoutingEventEntity, { where: { conversationId: In(r.ids), kind: 'closed' } });
    const holding = new Map(closes.map((e) => [e.conversationId, e.durationMs ?? 0]));
    const replayed = replay(r.visits.map((v, i) => ({ arrival: v.arrival, holdingMs: holding.get(r.ids[i]) ?? p.ahtMs })), r.q.agents * r.q.capacity)
      .slice(Math.floor(p.arrivals * p.warmupShare));
    const agentsLoad = r.agents.map((a) => load.get(a.id)!);
    const elapsed = Date.now() - started;
    const cv = (v: number[]) => (mean(v) ? stdev(v) / mean(v) : 0);
    const arrivals = r.visits.map((v) => v.arrival);
    return {
      label: r.q.label, policy: r.q.policy, agents: r.q.agents, capacity: r.q.capacity, customers: counted.length,
      arrivalsPerSecond: (arrivals.length - 1) / ((arrivals[arrivals.length - 1] - arrivals[0]) / 1000),
      holdingMs: mean(closes.map((e) => e.durationMs ?? 0)),
      probabilityOfWaiting: counted.filter((v) => !v.immediate).length / counted.length,
      averageWaitMs: mean(waits),
      serviceLevel: waits.filter((w) => w <= p.thresholdMs).length / waits.length,
      deliveryP50Ms: [...counted.map((v) => v.receivedAt! - v.assignedAt!)].sort((a, b) => a - b)[Math.floor(counted.length / 2)],
      replay: {
        probabilityOfWaiting: replayed.filter((w) => w > 0).length / replayed.length,
        averageWaitMs: mean(replayed),
        serviceLevel: replayed.filter((w) => w <= p.thresholdMs).length / replayed.length,
      },
      loadSpread: {
        assignmentsCv: cv(agentsLoad.map((l) => l.count)),
        timeAverageLoadCv: cv(agentsLoad.map((l) => (l.area + l.now * (Date.now() - l.since)) / elapsed)),
        meanInstantStdev: mean(instantStdevs.get(r.queueId)!),
      },
    };
  }));
}

/** Waits under a perfect first-come-first-served router with `slots` servers: the baseline without routing overhead. */
function replay(customers: { arrival: number; holdingMs: number }[], slots: number): number[] {
  const free = new Array<number>(slots).fill(-Infinity);
  return customers.map((c) => {
    let k = 0;
    for (let j = 1; j < slots; j++) if (free[j] < free[k]) k = j;
    const start = Math.max(c.arrival, free[k]);
    free[k] = start + c.holdingMs;
    return start - c.arrival;
  });
}
