// Job: records what the routing engine did besides assigning (a conversation requeued after its
// agent left, an offer that expired, an overflow) and tells the people concerned. Each database
// write is conditional on the state it expects, so a job that runs late never undoes a newer change.
import type { Context } from '../shared/context.js';
import { ConversationEntity, QueueEntity, RoutingEventEntity, type RoutingEvent } from '../shared/db/entities/index.js';
import { newId } from '../shared/ids.js';
import type { RoutingOutcome } from '../shared/types/routing.js';
import { routingOf, type QueueMachine } from '../queue-machine/index.js';
import { unattendedReply } from '../autoresponder/index.js';
import { bundleView, loadBundle } from './conversation-store.js';
import { postBotMessage } from './post-bot-message.js';

export async function applyRoutingOutcome(ctx: Context, _qm: QueueMachine, o: RoutingOutcome): Promise<void> {
  const m = ctx.db.manager;
  const at = new Date(o.at);
  const event = (fields: Pick<RoutingEvent, 'kind' | 'queueId' | 'agentId' | 'note'> & Partial<RoutingEvent>) =>
    m.insert(RoutingEventEntity, { id: newId(), tenantId: o.tenantId, conversationId: o.conversationId, createdAt: at, ...fields });

  if (o.kind === 'offer-expired') {
    await event({ kind: 'offer-expired', queueId: o.queueId, agentId: o.agentId, note: o.declined ? 'declined' : 'not accepted in time' });
    ctx.broadcaster.toAgent(o.agentId, 'conversation:offer-expired', { conversationId: o.conversationId, reason: o.declined ? 'declined' : 'timeout' });
    if (o.agentSetAway) ctx.broadcaster.toAgent(o.agentId, 'agent:status', { status: 'away', reason: 'missed-offers' });
    return;
  }

  let changed = 0;
  if (o.kind === 'requeued') {
    const res = await m.createQueryBuilder().update(ConversationEntity)
      .set({ status: 'queued', agentId: null, updatedAt: new Date() })
      .where('id = :id AND status = :assigned AND agent_id = :from AND assigned_at <= :at', { id: o.conversationId, assigned: 'assigned', from: o.fromAgentId, at })
      .execute();
    changed = res.affected ?? 0;
    await event({ kind: 'requeued', queueId: o.queueId, agentId: null, fromAgentId: o.fromAgentId, note: 'agent disconnected' });
  } else if (o.toQueueId) {
    const res = await m.createQueryBuilder().update(ConversationEntity)
      .set({ queueId: o.toQueueId, updatedAt: new Date() })
      .where('id = :id AND status = :queued AND queue_id = :from', { id: o.conversationId, queued: 'queued', from: o.fromQueueId })
      .execute();
    changed = res.affected ?? 0;
    await event({ kind: 'overflowed', queueId: o.toQueueId, agentId: null, fromQueueId: o.fromQueueId, note: o.reason });
  } else {
    // Nobody can take it: the autoresponder takes a message instead.
    const queue = await m.findOneBy(QueueEntity, { id: o.fromQueueId });
    const reply = unattendedReply(o.reason, routingOf(queue?.settings).unattendedMessage);
    const res = await m.createQueryBuilder().update(ConversationEntity)
      .set({ status: 'bot', unattended: reply.mark, updatedAt: new Date() })
      .where('id = :id AND status = :queued', { id: o.conversationId, queued: 'queued' })
      .execute();
    changed = res.affected ?? 0;
    await event({ kind: 'overflowed', queueId: null, agentId: null, fromQueueId: o.fromQueueId, note: `${o.reason}: autoresponder` });
    if (changed) {
      const c = await m.findOneByOrFail(ConversationEntity, { id: o.conversationId });
      await postBotMessage(ctx, c, reply.text);
    }
  }
  if (!changed) return;
  const bundle = await loadBundle(ctx, o.tenantId, o.conversationId);
  const conversation = bundleView(bundle);
  if (o.kind === 'requeued') ctx.broadcaster.toAgent(o.fromAgentId, 'conversation:updated', { conversation });
  ctx.broadcaster.toSupervisors(o.tenantId, 'conversation:updated', { conversation });
}
