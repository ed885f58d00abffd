// The queue machine: waiting queues, agent availability and load, the assignment policies,
// positions and estimated waits, timeouts and overflow. Its state lives in Redis, so any process
// may call it; what it decides leaves it as durable jobs (assignments, outcomes, timers).
import type { Context } from '../shared/context.js';
import { ChannelEntity, ConversationEntity, QueueEntity, QueueMemberEntity, UserEntity, type Queue, type User } from '../shared/db/entities/index.js';
import { QueueMachine } from './queue-machine.js';
import { channelKind, configFields, routingOf } from './routing-config.js';
import { queueStats } from './queue-stats.js';
import { timerJobId, type AgentRouting, type QueueHooks } from './types.js';
import { assignmentJobId } from '../shared/types/routing.js';

export { QueueMachine, clampPriority, type ClaimResult, type AcceptResult, type PositionNews } from './queue-machine.js';
export type { Assignment, AgentRouting, AgentState, EnqueueRequest, RoutingOutcome, QueueTimer } from './types.js';
export { queueStats, serviceFigures } from './queue-stats.js';
export { estimateQueue, waitAt, type QueueEstimate } from './estimates.js';
export {
  queueRoutingPatch, routingOf, DEFAULT_ROUTING, channelKind, ROUTING_POLICIES, OVERFLOW_ACTIONS,
  type QueueRouting, type RoutingPolicy, type OverflowAction,
} from './routing-config.js';
export * as erlangC from './erlang-c.js';
export { staffingAdvice, type StaffingAdvice } from './staffing.js';

/** With a local recorder, the durable job is a safety net that runs this much later and finds the work done. */
const SAFETY_NET_MS = 3000;

/** A queue machine whose decisions become durable jobs; stats and position updates are coalesced per tenant and queue. */
export function createQueueMachine(ctx: Context): QueueMachine {
  const r = ctx.config.routing;
  const nudge = (p: Promise<void>) => { p.catch((err) => ctx.logger.warn({ err: (err as Error).message }, 'could not queue a live update')); };
  const hooks: QueueHooks = {
    assign: async (as, o) => {
      await Promise.all(as.map((a) => ctx.jobs.add('switch-assignment', a, { jobId: assignmentJobId(a), ...(o.recordedLocally ? { delayMs: SAFETY_NET_MS } : {}) })));
    },
    routed: async (os) => { await Promise.all(os.map((o) => ctx.jobs.add('switch-routing', o))); },
    schedule: (t, delayMs) => ctx.jobs.add('queue-timer', t, { jobId: timerJobId(t), delayMs: Math.max(0, Math.round(delayMs)) }),
    cancel: (t) => ctx.jobs.cancel('queue-timer', timerJobId(t)),
    changed: (tenantId, queueIds) => {
      // Live figures are best effort (the next change corrects a lost one), so the caller never waits for them.
      nudge(ctx.jobs.add('queue-stats', { tenantId }, { delayMs: r.statsIntervalMs, coalesceId: `stats-${tenantId}`, attempts: 1 }));
      for (const queueId of queueIds) {
        nudge(ctx.jobs.add('switch-positions', { tenantId, queueId }, { delayMs: r.positionsIntervalMs, coalesceId: `pos-${queueId}`, attempts: 2 }));
      }
    },
  };
  return new QueueMachine(ctx.redis, ctx.config.redisPrefix, hooks);
}

/** The routing view of an agent row and their memberships. */
export function agentRouting(u: User, queueIds: string[]): AgentRouting {
  const levels = u.skillLevels ?? {};
  return {
    id: u.id, capacity: u.capacity, capacities: u.capacities ?? {}, queueIds,
    skills: Object.fromEntries(u.skills.map((s) => [s, levels[s] ?? 1])),
  };
}

/** Writes a queue row's routing settings to Redis and drains it. */
export async function syncQueue(qm: QueueMachine, q: Queue): Promise<void> {
  const routing = routingOf(q.settings);
  const skills = Object.fromEntries(q.skills.map((s) => [s, routing.skillLevels[s] ?? 1]));
  await qm.syncQueue(q.tenantId, q.id, configFields(q.priority, routing), skills);
}

/**
 * On start: make sure every queue's settings and every agent's capacity, skills and queues are in
 * Redis; rebuild the waiting and assigned conversations if Redis lost them; re-issue assignments a
 * dead process made but never recorded; then run the timers and the supervisors' figures.
 */
export async function startQueueMachine(ctx: Context, qm: QueueMachine): Promise<void> {
  const [queues, users, members] = await Promise.all([
    ctx.db.manager.find(QueueEntity), ctx.db.manager.find(UserEntity), ctx.db.manager.find(QueueMemberEntity),
  ]);
  for (const q of queues) await syncQueue(qm, q);
  for (const u of users) {
    if (u.disabledAt) continue;
    await qm.syncAgent(u.tenantId, agentRouting(u, members.filter((m) => m.userId === u.id).map((m) => m.queueId)));
  }
  for (const t of new Set(queues.map((q) => q.tenantId))) {
    await restoreTenant(ctx, qm, t);
    await reissueUnconfirmed(ctx, qm, t, 10_000);
  }
  ctx.jobs.work('queue-timer', (t) => qm.fire(t));
  // While running too: a process that dies between claiming an agent and queueing the job that
  // records it leaves a pending entry; whichever process runs the next check hands it on.
  const every = ctx.config.routing.recoveryMs;
  const scheduleRecovery = () => {
    const at = (Math.floor(Date.now() / every) + 1) * every;
    return ctx.jobs.add('queue-recovery', { at }, { jobId: `recovery-${at}`, delayMs: at - Date.now(), attempts: 1 });
  };
  ctx.jobs.work('queue-recovery', async () => {
    try {
      const tenants = new Set((await ctx.db.manager.find(QueueEntity, { select: { tenantId: true } })).map((q) => q.tenantId));
      for (const t of tenants) await reissueUnconfirmed(ctx, qm, t, every);
    } finally {
      await scheduleRecovery();
    }
  }, { concurrency: 1 });
  await scheduleRecovery();
  ctx.jobs.work('queue-stats', async ({ tenantId }) => {
    ctx.broadcaster.toSupervisors(tenantId, 'stats', await queueStats(ctx, qm, tenantId));
  }, { concurrency: 4 });
}

/** Assignments unrecorded for longer than `olderThanMs` go to the switch again (recording is idempotent). */
async function reissueUnconfirmed(ctx: Context, qm: QueueMachine, tenantId: string, olderThanMs: number): Promise<void> {
  const stale = await qm.unconfirmed(tenantId, olderThanMs);
  if (!stale.length) return;
  ctx.logger.warn({ tenantId, count: stale.length }, 're-issuing unconfirmed assignments');
  // A job id of its own each round: the first job may have failed for good (a database down for long).
  const round = Math.floor(Date.now() / olderThanMs);
  await Promise.all(stale.map((a) => ctx.jobs.add('switch-assignment', a, { jobId: `${assignmentJobId(a) ?? `asg-${a.conversationId}`}-again-${round}` })));
}

/** Once per Redis lifetime and tenant: what the database says waits or is assigned, back into Redis. */
async function restoreTenant(ctx: Context, qm: QueueMachine, tenantId: string): Promise<void> {
  if ((await ctx.redis.set(qm.keys(tenantId).restored(), String(Date.now()), 'NX')) !== 'OK') return;
  const open = await ctx.db.manager.find(ConversationEntity, { where: [{ tenantId, status: 'queued' }, { tenantId, status: 'assigned' }], order: { queuedAt: 'ASC' } });
  const channels = new Map((await ctx.db.manager.findBy(ChannelEntity, { tenantId })).map((ch) => [ch.id, ch]));
  for (const c of open) {
    const ch = channels.get(c.channelId);
    const kind = ch ? channelKind(ch.platform, ch.settings) : 'chat';
    if (c.status === 'assigned' && c.agentId) {
      await qm.claimFor(tenantId, c.id, c.agentId, c.queueId ?? '', { force: true, kind });
      await qm.confirm({ tenantId, conversationId: c.id, agentId: c.agentId, queueId: c.queueId ?? '', token: (await qm.holder(tenantId, c.id)).token ?? undefined });
    } else if (c.status === 'queued' && c.queueId) {
      await qm.enqueue({ tenantId, queueId: c.queueId, conversationId: c.id, priority: c.priority, enqueuedAt: c.queuedAt?.getTime(), kind, customerId: c.customerId, platform: ch?.platform });
    }
  }
  if (open.length) ctx.logger.warn({ tenantId, count: open.length }, 'routing state rebuilt from the database');
}
