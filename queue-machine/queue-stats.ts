// Live figures for supervisors (API.md, statistics): per queue what waits now, the service level
// and average answer over a sliding window, the estimated wait; per agent status and load.
import type { Context } from '../shared/context.js';
import { QueueEntity, UserEntity } from '../shared/db/entities/index.js';
import type { QueueStats } from '../shared/types/api.js';
import type { QueueMachine } from './queue-machine.js';
import { estimateQueue, waitAt } from './estimates.js';

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Service level over the window: answered within the threshold, out of everything answered plus
 * everything that gave up or overflowed after the threshold (leaving sooner is not held against it).
 */
export function serviceFigures(samples: string[], thresholdMs: number): { answered: number; abandoned: number; serviceLevel: number | null; averageAnswerSeconds: number | null } {
  let answered = 0, within = 0, abandoned = 0, lateAbandoned = 0, answerMs = 0;
  for (const s of samples) {
    const [, wait, outcome] = s.split('|');
    const w = Number(wait);
    if (outcome === 'a') { answered++; answerMs += w; if (w <= thresholdMs) within++; } else { abandoned++; if (w > thresholdMs) lateAbandoned++; }
  }
  const base = answered + lateAbandoned;
  return {
    answered, abandoned,
    serviceLevel: base ? round1((within / base) * 100) : null,
    averageAnswerSeconds: answered ? round1(answerMs / answered / 1000) : null,
  };
}

export async function queueStats(ctx: Context, qm: QueueMachine, tenantId: string): Promise<QueueStats> {
  const now = Date.now();
  const k = qm.keys(tenantId);
  const [queues, users] = await Promise.all([
    ctx.db.manager.find(QueueEntity, { where: { tenantId }, order: { createdAt: 'ASC' } }),
    ctx.db.manager.find(UserEntity, { where: { tenantId }, order: { name: 'ASC' } }),
  ]);
  return {
    queues: await Promise.all(queues.map(async (q) => {
      const [since, cfg, samples, est] = await Promise.all([
        qm.waitingSince(tenantId, q.id), qm.queueConfig(tenantId, q.id),
        qm.redis.zrangebyscore(k.serviceSamples(q.id), now - ctx.config.routing.statsWindowMs, '+inf'),
        estimateQueue(qm, tenantId, q.id, now),
      ]);
      const waits = since.map((at) => Math.max(0, (now - at) / 1000));
      return {
        id: q.id, name: q.name, waiting: waits.length,
        longestWaitSeconds: round1(Math.max(0, ...waits)),
        averageWaitSeconds: waits.length ? round1(waits.reduce((a, b) => a + b, 0) / waits.length) : 0,
        ...serviceFigures(samples, cfg.slaMs),
        serviceLevelTarget: { percent: cfg.slaPercent, seconds: cfg.slaMs / 1000 },
        policy: cfg.policy,
        estimatedWaitSeconds: waitAt(waits.length + 1, est),
        averageHandlingSeconds: est.ahtSeconds === null ? null : round1(est.ahtSeconds),
        slots: est.slots,
      };
    })),
    agents: await Promise.all(users.filter((u) => !u.disabledAt).map(async (u) => ({ id: u.id, name: u.name, ...await qm.agentState(tenantId, u.id) }))),
  };
}
