// Timeouts and overflow: what happens to a conversation once it waits. Past its queue's maximum
// wait, when nobody eligible is online, or when the queue is full, it moves to the fallback queue
// or goes to the autoresponder; an offer not accepted in time goes to the next agent.
import type { QueueMachine } from './queue-machine.js';
import type { QueueConfig } from './routing-config.js';
import { runScript } from './scripts.js';
import type { Assignment, EnqueueRequest, OverflowReason } from './types.js';

/** Two queues that fall back on each other cannot bounce a conversation for ever. */
const MAX_HOPS = 3;

/**
 * After a conversation joined a queue: assign it if someone can take it; else overflow at once
 * when the queue wants that with nobody eligible online; else start its durable timers.
 */
export async function afterQueued(qm: QueueMachine, tenantId: string, conversationId: string, queueId: string, token: string, cfg: QueueConfig,
  o: { waitFrom: number; holdUntil: number }): Promise<Assignment[]> {
  const made = await qm.drain(tenantId, [queueId]);
  if (made.some((a) => a.conversationId === conversationId)) return made;
  if (cfg.noAgents && await overflow(qm, tenantId, conversationId, queueId, token, 'no-agents', true)) return made;
  const now = Date.now();
  const timers: Promise<void>[] = [];
  if (cfg.maxWaitMs > 0) {
    timers.push(qm.hooks.schedule({ kind: 'max-wait', tenantId, conversationId, queueId, token }, o.waitFrom + cfg.maxWaitMs - now));
  }
  if (o.holdUntil > now) timers.push(qm.hooks.schedule({ kind: 'hold', tenantId, queueId, conversationId, token }, o.holdUntil - now));
  await Promise.all(timers);
  return made;
}

/**
 * Takes a waiting conversation out of its queue (if it still waits there with this token): into
 * the fallback queue, or to the autoresponder. With `onlyIfNoAgents`, only when nobody eligible
 * is online (checked in the same atomic step). Returns whether it left the queue.
 */
export async function overflow(qm: QueueMachine, tenantId: string, conversationId: string, queueId: string, token: string,
  reason: OverflowReason, onlyIfNoAgents: boolean): Promise<boolean> {
  const k = qm.keys(tenantId);
  const cfg = await qm.queueConfig(tenantId, queueId);
  const target = cfg.overflow === 'fallback' ? cfg.fallback : '';
  const now = Date.now();
  const r = await runScript<string[]>(qm.redis, 'overflow', [k.conversation(conversationId), k.pending()],
    [k.prefix, conversationId, queueId, token, now, target, onlyIfNoAgents ? '1' : '0', MAX_HOPS]);
  if (!r.length) return false;
  const to = r[0] === 'moved' ? r[1] : null;
  await qm.hooks.routed([{ kind: 'overflowed', tenantId, conversationId, fromQueueId: queueId, toQueueId: to, at: now, reason }]);
  qm.hooks.changed(tenantId, to ? [queueId, to] : [queueId]);
  if (to) await afterQueued(qm, tenantId, conversationId, to, r[2], await qm.queueConfig(tenantId, to), { waitFrom: now, holdUntil: 0 });
  return true;
}

/** The queue was full when the conversation arrived: it never joined, so it overflows straight away. */
export async function overflowFull(qm: QueueMachine, req: EnqueueRequest, cfg: QueueConfig): Promise<Assignment[]> {
  const hops = req.hops ?? 0;
  const to = cfg.overflow === 'fallback' && cfg.fallback && cfg.fallback !== req.queueId && hops < MAX_HOPS ? cfg.fallback : null;
  await qm.hooks.routed([{ kind: 'overflowed', tenantId: req.tenantId, conversationId: req.conversationId, fromQueueId: req.queueId, toQueueId: to, at: Date.now(), reason: 'queue-full' }]);
  qm.hooks.changed(req.tenantId, [req.queueId]);
  return to ? qm.enqueue({ ...req, queueId: to, hops: hops + 1, enqueuedAt: req.enqueuedAt }) : [];
}

/**
 * An offer is withdrawn: it timed out (token given: only that offer, and a miss is counted) or
 * the agent declined it (token null). The conversation goes to the next agent at once.
 */
export async function withdrawOffer(qm: QueueMachine, tenantId: string, conversationId: string, agentId: string, token: string | null): Promise<boolean> {
  const k = qm.keys(tenantId);
  const h = await qm.holder(tenantId, conversationId);
  if (h.state !== 'offered' || h.agentId !== agentId || !h.queueId || (token !== null && h.token !== token)) return false;
  const cfg = await qm.queueConfig(tenantId, h.queueId);
  const r = await runScript<(string | number)[]>(qm.redis, 'expire-offer', [k.conversation(conversationId), k.pending()],
    [k.prefix, conversationId, agentId, h.token ?? '', cfg.maxMisses, token === null ? '0' : '1']);
  if (!r.length) return false;
  const queueId = String(r[0]);
  const setAway = Number(r[2]) === 1;
  await qm.hooks.routed([{ kind: 'offer-expired', tenantId, conversationId, queueId, agentId, at: Date.now(), declined: token === null, agentSetAway: setAway }]);
  qm.hooks.changed(tenantId, [queueId]);
  await qm.drain(tenantId, [queueId]);
  if (setAway) await overflowIfUnstaffed(qm, tenantId, await qm.redis.smembers(k.agentQueues(agentId)));
  return true;
}

/** For queues that overflow when nobody eligible is online: move their waiting conversations if that is now so. */
export async function overflowIfUnstaffed(qm: QueueMachine, tenantId: string, queueIds: string[]): Promise<void> {
  for (const queueId of queueIds) {
    if (!(await qm.queueConfig(tenantId, queueId)).noAgents) continue;
    for (const w of await qm.waiting(tenantId, queueId)) {
      // The script re-checks staffing atomically; the first refusal means someone is online.
      if (!(await overflow(qm, tenantId, w.conversationId, queueId, '', 'no-agents', true))) break;
    }
  }
}
