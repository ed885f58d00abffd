// Ends a conversation: frees the agent's capacity (which may assign the next waiting customer)
// and tells the agent, the customer and the supervisors.
import type { Principal } from '../shared/auth/tokens.js';
import type { Context } from '../shared/context.js';
import { ConversationEntity, CustomerEntity, RoutingEventEntity } from '../shared/db/entities/index.js';
import { newId } from '../shared/ids.js';
import type { ConversationView } from '../shared/types/api.js';
import type { QueueMachine } from '../queue-machine/index.js';
import { assertCanWrite } from './access.js';
import { bundleView, loadBundle } from './conversation-store.js';

export async function closeConversation(ctx: Context, qm: QueueMachine, p: Principal, conversationId: string, disposition?: string): Promise<ConversationView> {
  const bundle = await loadBundle(ctx, p.tenantId, conversationId);
  const c = bundle.conversation;
  assertCanWrite(p, c);
  const now = new Date();
  const m = ctx.db.manager;
  const res = await m.createQueryBuilder().update(ConversationEntity)
    .set({ status: 'closed', closedAt: now, updatedAt: now, disposition: disposition ?? null })
    .where('id = :id AND status <> :closed', { id: c.id, closed: 'closed' }).execute();
  const previousAgent = c.agentId;
  const previousStatus = c.status;
  Object.assign(c, { status: 'closed', closedAt: now, updatedAt: now, disposition: disposition ?? null });
  // Closed in the database: the capacity frees at once (the next customer is assigned meanwhile),
  // beside the bookkeeping that follows.
  await Promise.all([
    qm.release(c.tenantId, c.id),
    res.affected === 1 && (async () => {
      await m.createQueryBuilder().update(CustomerEntity).set({ openConversationId: null })
        .where('id = :id AND open_conversation_id = :c', { id: c.customerId, c: c.id }).execute();
      // The handling time, for reports (from the assignment; none when it closed while waiting).
      const durationMs = previousStatus === 'assigned' && c.assignedAt ? now.getTime() - new Date(c.assignedAt).getTime() : null;
      await m.insert(RoutingEventEntity, { id: newId(), tenantId: c.tenantId, conversationId: c.id, kind: 'closed', queueId: c.queueId, agentId: previousAgent, note: disposition ?? null, durationMs, createdAt: now });
    })(),
  ]);
  const view = bundleView(bundle);
  if (previousAgent) ctx.broadcaster.toAgent(previousAgent, 'conversation:closed', { conversationId: c.id });
  ctx.broadcaster.toCustomer(c.customerId, 'conversation:closed');
  ctx.broadcaster.toSupervisors(c.tenantId, 'conversation:updated', { conversation: view });
  return view;
}
