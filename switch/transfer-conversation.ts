// Moves a conversation to another agent (who gets it at once, within their capacity) or back to
// a queue (where the queue machine picks the next agent, someone else first), with a note for
// whoever takes it next. The history keeps every move (routing_events).
import { Not } from 'typeorm';
import type { Principal } from '../shared/auth/tokens.js';
import type { Context } from '../shared/context.js';
import { ConversationEntity, QueueEntity, RoutingEventEntity, UserEntity } from '../shared/db/entities/index.js';
import { AppError, closedMeanwhile, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { ConversationView } from '../shared/types/api.js';
import { channelKind, type QueueMachine } from '../queue-machine/index.js';
import { assertCanWrite } from './access.js';
import { recordAssignment } from './apply-assignment.js';
import { enqueueWhileOpen } from './enqueue-while-open.js';
import { bundleView, loadBundle } from './conversation-store.js';

export interface TransferInput { conversationId: string; agentId?: string; queueId?: string; note?: string }

export async function transferConversation(ctx: Context, qm: QueueMachine, p: Principal, input: TransferInput): Promise<ConversationView> {
  if (!input.agentId === !input.queueId) throw new AppError('bad_request', 'Give either agentId or queueId to transfer to, not both and not neither.');
  const bundle = await loadBundle(ctx, p.tenantId, input.conversationId);
  const c = bundle.conversation;
  assertCanWrite(p, c);
  const m = ctx.db.manager;
  const from = { agentId: c.agentId, queueId: c.queueId };
  const note = input.note?.slice(0, 2000) ?? null;
  const kind = channelKind(bundle.channel.platform, bundle.channel.settings);
  const now = new Date();

  if (input.agentId) {
    const target = await m.findOneBy(UserEntity, { id: input.agentId, tenantId: p.tenantId });
    if (!target || target.disabledAt) throw notFound(`Agent ${input.agentId}`);
    if (target.id === c.agentId) throw new AppError('conflict', `${target.name} has this conversation already.`);
    const r = await qm.claimFor(c.tenantId, c.id, target.id, c.queueId ?? '', { kind });
    if (r.status === 'full') throw new AppError('conflict', `${target.name} has no free capacity; transfer to a queue instead.`);
    if (r.status === 'offline') throw new AppError('conflict', `${target.name} is offline; transfer to a queue instead.`);
    if (r.status !== 'claimed') throw new AppError('conflict', `${target.name} has this conversation already.`);
    await m.insert(RoutingEventEntity, {
      id: newId(), tenantId: c.tenantId, conversationId: c.id, kind: 'transferred', queueId: c.queueId, agentId: target.id,
      fromAgentId: from.agentId, fromQueueId: from.queueId, note, createdAt: now,
    });
    const transfer = { fromAgentId: from.agentId, note, at: now.toISOString() };
    const view = await recordAssignment(ctx, qm, bundle, r.assignment, { transfer });
    if (!view) throw closedMeanwhile();
    if (from.agentId) ctx.broadcaster.toAgent(from.agentId, 'conversation:updated', { conversation: view });
    return view;
  }

  const queue = await m.findOneBy(QueueEntity, { id: input.queueId!, tenantId: p.tenantId });
  if (!queue) throw notFound(`Queue ${input.queueId}`);
  const queued = { status: 'queued' as const, agentId: null, queueId: queue.id, queuedAt: now, updatedAt: now, unattended: null };
  Object.assign(c, queued);
  // Not over a close that came since the read: that would reopen the conversation.
  const moved = await m.update(ConversationEntity, { id: c.id, status: Not('closed') }, queued);
  if (moved.affected !== 1) throw closedMeanwhile();
  await m.insert(RoutingEventEntity, {
    id: newId(), tenantId: c.tenantId, conversationId: c.id, kind: 'transferred', queueId: queue.id, agentId: null,
    fromAgentId: from.agentId, fromQueueId: from.queueId, note, createdAt: now,
  });
  await qm.release(c.tenantId, c.id); // frees the previous agent, whose own queues drain at once
  const view = bundleView(bundle);
  if (from.agentId) ctx.broadcaster.toAgent(from.agentId, 'conversation:updated', { conversation: view });
  ctx.broadcaster.toSupervisors(c.tenantId, 'conversation:updated', { conversation: view });
  const open = await enqueueWhileOpen(ctx, qm, {
    tenantId: c.tenantId, queueId: queue.id, conversationId: c.id, priority: c.priority, enqueuedAt: now.getTime(),
    kind, customerId: bundle.customer.id, platform: bundle.channel.platform, avoidAgentId: from.agentId ?? undefined,
  });
  if (!open) throw closedMeanwhile();
  return view;
}
