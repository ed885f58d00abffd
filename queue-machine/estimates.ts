// Estimated waits from what the queue measured recently, never a constant: the average handling
// time of its last conversations and the capacity of the eligible agents online give the rate at
// which places free up; position p waits about p / rate.
import type { QueueMachine } from './queue-machine.js';

const SAMPLES = 50;
const MAX_SAMPLE_AGE_MS = 24 * 3600_000;

export interface QueueEstimate {
  /** Mean handling time of the recent conversations of this queue (null before the first one ended). */
  ahtSeconds: number | null;
  /** Conversations the eligible agents online can hold at once. */
  slots: number;
  /** Seconds each place in the queue adds to a customer's wait (null when unknown). */
  secondsPerPosition: number | null;
}

export async function estimateQueue(qm: QueueMachine, tenantId: string, queueId: string, now = Date.now()): Promise<QueueEstimate> {
  const k = qm.keys(tenantId);
  const [samples, members, skills] = await Promise.all([
    qm.redis.lrange(k.handleTimes(queueId), 0, SAMPLES - 1),
    qm.redis.smembers(k.queueAgents(queueId)),
    qm.redis.hgetall(k.queueSkills(queueId)),
  ]);
  const durations = samples.map((s) => s.split('|').map(Number)).filter(([at, d]) => now - at <= MAX_SAMPLE_AGE_MS && d >= 0).map(([, d]) => d);
  const ahtSeconds = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length / 1000 : null;
  const slots = await eligibleSlots(qm, tenantId, members, skills);
  return { ahtSeconds, slots, secondsPerPosition: ahtSeconds !== null && slots > 0 ? ahtSeconds / slots : null };
}

/** Capacity of the member agents who are online, connected and have the queue's skills. */
async function eligibleSlots(qm: QueueMachine, tenantId: string, members: string[], skills: Record<string, string>): Promise<number> {
  if (!members.length) return 0;
  const k = qm.keys(tenantId);
  const names = Object.keys(skills);
  const m = qm.redis.multi();
  for (const id of members) {
    m.hmget(k.agent(id), 'status', 'lostAt', 'capacity');
    if (names.length) m.hmget(k.agentSkills(id), ...names);
  }
  const res = ((await m.exec()) ?? []).map((r) => r[1] as (string | null)[]);
  let slots = 0;
  for (let i = 0, step = names.length ? 2 : 1; i < res.length; i += step) {
    const [status, lostAt, capacity] = res[i];
    if (status !== 'online' || lostAt) continue;
    const levels = names.length ? res[i + 1] : [];
    if (names.some((n, j) => Number(levels[j] ?? 0) < Math.max(1, Number(skills[n])))) continue;
    slots += Number(capacity ?? 0);
  }
  return slots;
}

/** A customer's estimated wait at a position, rounded to a tenth of a second. */
export function waitAt(position: number, e: QueueEstimate): number | null {
  return e.secondsPerPosition === null ? null : Math.round(position * e.secondsPerPosition * 10) / 10;
}
