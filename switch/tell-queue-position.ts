// Tells waiting customers where they stand: their position and estimated wait (from the queue's
// measured handling rate), on joining and whenever either changes meaningfully. The web widget
// gets a `queue:position` event; other platforms a short text once the customer has waited a
// little (those answered at once are not bothered), then at most once per interval.
import type { Context } from '../shared/context.js';
import type { Conversation } from '../shared/db/entities/index.js';
import { ConversationEntity } from '../shared/db/entities/index.js';
import { estimateQueue, type PositionNews, type QueueMachine } from '../queue-machine/index.js';
import { postBotMessage } from './post-bot-message.js';

/** On joining a queue: tell this one customer; their first text is scheduled for when it is due. */
export async function tellQueuePosition(ctx: Context, qm: QueueMachine, c: Conversation, _customerId: string, platform = 'webchat'): Promise<void> {
  if (!c.queueId) return;
  if (!(await tell(ctx, qm, c.tenantId, c.queueId, c.id))) return; // answered already: no text to schedule
  const delay = ctx.config.routing.positionTextDelayMs;
  if (platform !== 'webchat' && delay > 0) {
    // Due once they waited long enough, even if nothing moves in the queue meanwhile.
    const enqueuedAt = c.queuedAt ? new Date(c.queuedAt).getTime() : Date.now();
    await ctx.jobs.add('switch-positions', { tenantId: c.tenantId, queueId: c.queueId, conversationId: c.id }, { jobId: `posd-${c.id}`, delayMs: enqueuedAt + delay - Date.now() + 5, attempts: 2 });
  }
}

/**
 * Job: a queue changed (throttled per queue), so tell every waiting customer whose position or
 * estimate moved; or, with `conversationId`, one customer's first text has come due.
 */
export async function tellQueuePositions(ctx: Context, qm: QueueMachine, tenantId: string, queueId: string, conversationId?: string): Promise<void> {
  await tell(ctx, qm, tenantId, queueId, conversationId);
}

/** Tells the queue's (or one conversation's) customers what moved; false when nobody (or not that one) waits. */
async function tell(ctx: Context, qm: QueueMachine, tenantId: string, queueId: string, conversationId?: string): Promise<boolean> {
  // Most first-text timers find their conversation answered long ago, and most queues empty:
  // then there is no one to tell, and no estimate (a read of every member agent) to make.
  const waiting = conversationId ? (await qm.position(tenantId, queueId, conversationId)) !== null : (await qm.waitingCount(tenantId, queueId)) > 0;
  if (!waiting) return false;
  const r = ctx.config.routing;
  const estimate = await estimateQueue(qm, tenantId, queueId);
  const news = await qm.positionsToTell(tenantId, queueId, estimate.secondsPerPosition,
    { textDelayMs: r.positionTextDelayMs, textIntervalMs: r.positionTextIntervalMs, conversationId });
  for (const n of news) {
    if (n.widget && n.customerId) ctx.broadcaster.toCustomer(n.customerId, 'queue:position', { conversationId: n.conversationId, position: n.position, estimatedWaitSeconds: n.estimatedWaitSeconds });
  }
  await Promise.all(news.filter((n) => n.text).map((n) => text(ctx, tenantId, n)));
  return true;
}

async function text(ctx: Context, tenantId: string, n: PositionNews): Promise<void> {
  const c = await ctx.db.manager.findOneBy(ConversationEntity, { id: n.conversationId, tenantId });
  if (c?.status === 'queued') await postBotMessage(ctx, c, positionText(n.position, n.estimatedWaitSeconds));
}

/** "You are number 3 in the queue. Estimated wait: about 4 minutes." */
export function positionText(position: number, etaSeconds: number | null): string {
  const place = position === 1 ? 'You are next in the queue.' : `You are number ${position} in the queue.`;
  if (etaSeconds === null) return `${place} An agent will be with you as soon as possible.`;
  const minutes = Math.round(etaSeconds / 60);
  const wait = etaSeconds < 60 ? 'less than a minute' : minutes === 1 ? 'about 1 minute' : `about ${minutes} minutes`;
  return `${place} Estimated wait: ${wait}.`;
}
