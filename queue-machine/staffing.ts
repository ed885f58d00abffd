// Staffing advice per queue from Erlang C, fed with what the queue measured over the sliding
// window: the arrival rate, the average handling time, and the queue's own service-level target.
import type { QueueMachine } from './queue-machine.js';
import { estimateQueue } from './estimates.js';
import { agentsNeeded, staffing } from './erlang-c.js';

export interface StaffingAdvice {
  queueId: string;
  arrivalsPerHour: number;
  averageHandlingSeconds: number | null;
  trafficErlangs: number | null;
  /** Agents (at one conversation each) Erlang C says the target needs; null until handling was measured. */
  agentsNeeded: number | null;
  /** What Erlang C predicts with today's slots. */
  predicted: { probabilityOfWaiting: number; averageSpeedOfAnswerSeconds: number; serviceLevel: number } | null;
  slots: number;
  target: { percent: number; seconds: number };
}

export async function staffingAdvice(qm: QueueMachine, tenantId: string, queueId: string, windowMs: number): Promise<StaffingAdvice> {
  const now = Date.now();
  const [cfg, outcomes, est] = await Promise.all([
    qm.queueConfig(tenantId, queueId),
    qm.redis.zcount(qm.keys(tenantId).serviceSamples(queueId), now - windowMs, '+inf'),
    estimateQueue(qm, tenantId, queueId, now),
  ]);
  const rate = outcomes / (windowMs / 1000); // every arrival ends answered, abandoned or overflowed
  const target = { percent: cfg.slaPercent, seconds: cfg.slaMs / 1000 };
  const aht = est.ahtSeconds;
  const traffic = aht === null ? null : rate * aht;
  const s = aht !== null && est.slots > 0 ? staffing(rate, aht, est.slots, target.seconds) : null;
  return {
    queueId, arrivalsPerHour: Math.round(rate * 3600 * 10) / 10, averageHandlingSeconds: aht, trafficErlangs: traffic,
    agentsNeeded: traffic === null || aht === null ? null : traffic === 0 ? 0 : agentsNeeded(traffic, aht, target.seconds, target.percent / 100),
    predicted: s && { probabilityOfWaiting: s.probabilityOfWaiting, averageSpeedOfAnswerSeconds: s.averageSpeedOfAnswerSeconds, serviceLevel: s.serviceLevel },
    slots: est.slots, target,
  };
}
