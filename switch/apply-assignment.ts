// Job: the queue machine gave (or offered) a conversation to an agent; record it and tell the
// agent, the customer and the supervisors. Idempotent; a stale job (the engine has moved on since)
// changes nothing; confirms the assignment to the queue machine last.
import type { Context } from '../shared/context.js';
import { ConversationEntity, RoutingEventEntity, UserEntity } from '../shared/db/entities/index.js';
import { newId } from '../shared/ids.js';
import type { ConversationView, MessageView } from '../shared/types/api.js';
import type { TransferInfo } from '../shared/types/socket-events.js';
import type { Assignment, QueueMachine } from '../queue-machine/index.js';
import { bundleView, findBundle, recentMessages, type ConversationBundle } from './conversation-store.js';

export interface AssignmentContext {
  /** The agent took it themselves from the queue. */
  picked?: boolean;
  /** A direct transfer: the caller recorded the 'transferred' event already. */
  transfer?: TransferInfo;
  /** Just made by this process: it is certainly the current one (no need to ask Redis). */
  fresh?: boolean;
}

export async function applyAssignment(ctx: Context, qm: QueueMachine, a: Assignment, o: AssignmentContext = {}): Promise<ConversationView | null> {
  const [bundle, held] = await Promise.all([
    findBundle(ctx, a.tenantId, a.conversationId),
    o.fresh ? { agentId: a.agentId, token: a.token ?? null } : qm.holder(a.tenantId, a.conversationId),
  ]);
  if (!bundle || bundle.conversation.status === 'closed') {
    if (held.agentId === a.agentId) await qm.release(a.tenantId, a.conversationId); // closed while it waited: give the capacity back
    return null;
  }
  if (a.token && held.token !== a.token) return null; // the offer expired, or someone else holds it now
  return a.mode === 'offer' ? recordOffer(ctx, qm, bundle, a) : recordAssignment(ctx, qm, bundle, a, o);
}

async function recordOffer(ctx: Context, qm: QueueMachine, bundle: ConversationBundle, a: Assignment): Promise<ConversationView> {
  const c = bundle.conversation;
  const at = a.at ?? Date.now();
  await ctx.db.manager.insert(RoutingEventEntity, {
    id: newId(), tenantId: a.tenantId, conversationId: c.id, kind: 'offered', queueId: a.queueId, agentId: a.agentId, note: null,
    durationMs: a.waitMs ?? null, createdAt: new Date(at),
  });
  await qm.confirm(a);
  const conversation = bundleView(bundle);
  const expiresAt = new Date(at + (a.offerMs ?? 0)).toISOString();
  ctx.broadcaster.toAgent(a.agentId, 'conversation:offered', { conversation, messages: await recentMessages(ctx, c.id), expiresAt });
  return conversation;
}

/** Writes the assignment (only over an older one: the engine's instant orders them) and tells everyone. */
export async function recordAssignment(ctx: Context, qm: QueueMachine, bundle: ConversationBundle, a: Assignment, o: AssignmentContext = {}): Promise<ConversationView | null> {
  const m = ctx.db.manager;
  const c = bundle.conversation;
  const at = new Date(a.at ?? Date.now());
  const already = c.status === 'assigned' && c.agentId === a.agentId && c.assignedAt && new Date(c.assignedAt).getTime() === at.getTime();
  let transfer = o.transfer;
  if (!already) {
    // Independent reads beside the write: the agent hears of it after one round trip, not five.
    const [res, last, messages, agent] = await Promise.all([
      m.createQueryBuilder().update(ConversationEntity)
        .set({ status: 'assigned', agentId: a.agentId, queueId: a.queueId || c.queueId, assignedAt: at, updatedAt: new Date(), unattended: null })
        .where('id = :id AND status <> :closed AND (assigned_at IS NULL OR assigned_at <= :at)', { id: c.id, closed: 'closed', at })
        .execute(),
      transfer ? undefined : lastTransfer(ctx, c.id),
      recentMessages(ctx, c.id), ctx.rows.findOne(UserEntity, { id: a.agentId }),
    ]);
    if (res.affected !== 1) {
      const now = await m.findOneBy(ConversationEntity, { id: c.id });
      if (now?.status === 'closed') await qm.release(a.tenantId, a.conversationId);
      return null;
    }
    transfer ??= last;
    Object.assign(c, { status: 'assigned', agentId: a.agentId, queueId: a.queueId || c.queueId, assignedAt: at, updatedAt: new Date(), unattended: null });
    const conversation = tell(ctx, bundle, a, messages, agent?.name, transfer);
    await Promise.all([
      o.transfer ? undefined : m.insert(RoutingEventEntity, {
        id: newId(), tenantId: a.tenantId, conversationId: c.id, kind: o.picked ? 'picked' : 'assigned', queueId: a.queueId || c.queueId,
        agentId: a.agentId, note: null, durationMs: a.waitMs ?? null, createdAt: at,
      }),
      qm.confirm(a),
    ]);
    return conversation;
  }
  await qm.confirm(a);
  const [messages, agent] = await Promise.all([recentMessages(ctx, c.id), ctx.rows.findOne(UserEntity, { id: a.agentId })]);
  return tell(ctx, bundle, a, messages, agent?.name, transfer);
}

function tell(ctx: Context, bundle: ConversationBundle, a: Assignment, messages: MessageView[], agentName: string | undefined, transfer: TransferInfo | undefined): ConversationView {
  const conversation = bundleView(bundle);
  ctx.broadcaster.toAgent(a.agentId, 'conversation:assigned', { conversation, messages, ...(transfer ? { transfer } : {}) });
  ctx.broadcaster.toCustomer(bundle.customer.id, 'agent:joined', { name: agentName ?? 'An agent' });
  ctx.broadcaster.toSupervisors(a.tenantId, 'conversation:updated', { conversation });
  ctx.logger.info({ tenantId: a.tenantId, conversationId: a.conversationId, agentId: a.agentId, waitMs: a.waitMs }, 'conversation assigned');
  return conversation;
}

/** A conversation transferred to a queue reaches its next agent with the note the previous one left. */
async function lastTransfer(ctx: Context, conversationId: string): Promise<TransferInfo | undefined> {
  const last = await ctx.rows.findOne(RoutingEventEntity, { conversationId }, { createdAt: 'DESC' });
  if (last?.kind !== 'transferred') return undefined;
  return { fromAgentId: last.fromAgentId ?? null, note: last.note, at: new Date(last.createdAt).toISOString() };
}
