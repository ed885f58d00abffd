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
import { releaseIfClosed } from './enqueue-while-open.js';

export interface AssignmentContext {
  /** The agent took it themselves from the queue. */
  picked?: boolean;
  /** A direct transfer: the caller recorded the 'transferred' event already. */
  transfer?: TransferInfo;
  /** Just made by this process: it is certainly the current one (no need to ask Redis). */
  fresh?: boolean;
}

export async function applyAssignment(ctx: Context, qm: QueueMachine, a: Assignment, o: AssignmentContext = {}): Promise<ConversationView | null> {
  if (o.fresh && a.mode !== 'offer') return recordFreshAssignment(ctx, qm, a);
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

/**
 * An assignment this process has just made: it holds the agent's capacity and nobody can have
 * recorded it yet, so the write and every read the agent's event needs go out at once. The agent
 * hears of it after the slowest of them, not after three database round trips in a row (the
 * conversation, then its customer and channel, then the write).
 */
async function recordFreshAssignment(ctx: Context, qm: QueueMachine, a: Assignment): Promise<ConversationView | null> {
  const at = new Date(a.at ?? Date.now());
  const [bundle, written, last, messages, agent] = await Promise.all([
    findBundle(ctx, a.tenantId, a.conversationId), writeAssignment(ctx, a, at),
    lastTransfer(ctx, a.conversationId), recentMessages(ctx, a.conversationId), ctx.rows.findOne(UserEntity, { id: a.agentId }),
  ]);
  if (!written) return notWritten(ctx, qm, a);
  if (!bundle) throw new Error(`conversation ${a.conversationId} was assigned but its customer or channel is missing`);
  return recorded(ctx, qm, bundle, a, at, messages, agent?.name, last, {});
}

/** Writes the assignment (only over an older one: the engine's instant orders them) and tells everyone. */
export async function recordAssignment(ctx: Context, qm: QueueMachine, bundle: ConversationBundle, a: Assignment, o: AssignmentContext = {}): Promise<ConversationView | null> {
  const c = bundle.conversation;
  const at = new Date(a.at ?? Date.now());
  const already = c.status === 'assigned' && c.agentId === a.agentId && c.assignedAt && new Date(c.assignedAt).getTime() === at.getTime();
  if (!already) {
    // Independent reads beside the write: the agent hears of it after one round trip, not five.
    const [written, last, messages, agent] = await Promise.all([
      writeAssignment(ctx, a, at), o.transfer ? undefined : lastTransfer(ctx, c.id),
      recentMessages(ctx, c.id), ctx.rows.findOne(UserEntity, { id: a.agentId }),
    ]);
    if (!written) return notWritten(ctx, qm, a);
    return recorded(ctx, qm, bundle, a, at, messages, agent?.name, o.transfer ?? last, o);
  }
  await qm.confirm(a);
  const [messages, agent] = await Promise.all([recentMessages(ctx, c.id), ctx.rows.findOne(UserEntity, { id: a.agentId })]);
  return tell(ctx, bundle, a, messages, agent?.name, o.transfer);
}

/** The conditional write: true unless the conversation is closed (or gone) or a newer assignment is recorded. */
async function writeAssignment(ctx: Context, a: Assignment, at: Date): Promise<boolean> {
  const res = await ctx.db.manager.createQueryBuilder().update(ConversationEntity)
    .set({ status: 'assigned', agentId: a.agentId, ...(a.queueId ? { queueId: a.queueId } : {}), assignedAt: at, updatedAt: new Date(), unattended: null })
    .where('id = :id AND tenant_id = :tenantId AND status <> :closed AND (assigned_at IS NULL OR assigned_at <= :at)', { id: a.conversationId, tenantId: a.tenantId, closed: 'closed', at })
    .execute();
  return res.affected === 1;
}

/** Not written: a conversation closed meanwhile gives its capacity back; a newer assignment keeps it. */
async function notWritten(ctx: Context, qm: QueueMachine, a: Assignment): Promise<null> {
  await releaseIfClosed(ctx, qm, a.tenantId, a.conversationId);
  return null;
}

/** After the write: the agent, the customer and the supervisors are told; the report row and the engine's confirmation follow. */
async function recorded(
  ctx: Context, qm: QueueMachine, bundle: ConversationBundle, a: Assignment, at: Date,
  messages: MessageView[], agentName: string | undefined, transfer: TransferInfo | undefined, o: AssignmentContext,
): Promise<ConversationView> {
  const c = bundle.conversation;
  Object.assign(c, { status: 'assigned', agentId: a.agentId, queueId: a.queueId || c.queueId, assignedAt: at, updatedAt: new Date(), unattended: null });
  const conversation = tell(ctx, bundle, a, messages, agentName, transfer);
  await Promise.all([
    o.transfer ? undefined : ctx.db.manager.insert(RoutingEventEntity, {
      id: newId(), tenantId: a.tenantId, conversationId: c.id, kind: o.picked ? 'picked' : 'assigned', queueId: a.queueId || c.queueId,
      agentId: a.agentId, note: null, durationMs: a.waitMs ?? null, createdAt: at,
    }),
    qm.confirm(a),
  ]);
  return conversation;
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
