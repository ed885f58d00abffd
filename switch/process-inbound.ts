// Job: acts on a stored inbound message: a waiting conversation goes to the queue machine (with
// its customer's priority, its channel kind and, for a returning customer, their last agent), an
// assigned one's agent sees the message at once. Idempotent: running twice changes nothing more.
import type { Context } from '../shared/context.js';
import { ConversationEntity, type Conversation } from '../shared/db/entities/index.js';
import { channelKind, clampPriority, type QueueMachine } from '../queue-machine/index.js';
import { findMessage, loadBundle } from './conversation-store.js';
import { toMessageView } from './views.js';
import { tellQueuePosition } from './tell-queue-position.js';
import { enqueueWhileOpen } from './enqueue-while-open.js';
import { announceInbound, echoToWidget, isOngoing } from './receive-inbound.js';

export async function processInbound(ctx: Context, qm: QueueMachine, messageId: string): Promise<void> {
  const msg = await findMessage(ctx, messageId);
  if (!msg) return;
  const { conversation: c, customer, channel: channelRow } = await loadBundle(ctx, msg.tenantId, msg.conversationId);
  // The web widget's other tabs see the message too; an agent assigned meanwhile sees it at once.
  if (isOngoing(c)) { announceInbound(ctx, channelRow, msg, c); return; }
  echoToWidget(ctx, channelRow, c.customerId, toMessageView(msg));
  if (c.status === 'queued' && c.queueId) {
    if ((await qm.holder(c.tenantId, c.id)).state) return; // waiting already: it was told its position on joining
    const priority = clampPriority(Math.max(c.priority, customer.priority ?? 0));
    if (priority !== c.priority) {
      await ctx.db.manager.update(ConversationEntity, { id: c.id }, { priority });
      c.priority = priority;
    }
    const cfg = await qm.queueConfig(c.tenantId, c.queueId);
    const open = await enqueueWhileOpen(ctx, qm, {
      tenantId: c.tenantId, queueId: c.queueId, conversationId: c.id, priority, enqueuedAt: c.queuedAt?.getTime(),
      kind: channelKind(channelRow.platform, channelRow.settings), customerId: customer.id, platform: channelRow.platform,
      preferAgentId: cfg.stickyMs > 0 ? await lastAgentOf(ctx, c, cfg.stickyMs) : undefined,
    });
    if (open) await tellQueuePosition(ctx, qm, c, customer.id, channelRow.platform);
  }
}

/** Sticky routing: the agent of this customer's last conversation, if it ended within the window. */
async function lastAgentOf(ctx: Context, c: Conversation, windowMs: number): Promise<string | undefined> {
  const last = await ctx.db.manager.findOne(ConversationEntity, {
    where: { customerId: c.customerId, status: 'closed' }, order: { closedAt: 'DESC' },
  });
  if (!last?.agentId || !last.closedAt || last.id === c.id) return undefined;
  return Date.now() - new Date(last.closedAt).getTime() <= windowMs ? last.agentId : undefined;
}
