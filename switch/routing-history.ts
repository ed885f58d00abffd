// A conversation's routing history (offers, assignments, transfers with their notes, requeues,
// overflows, the close), oldest first: what the console shows and reports are made of.
import type { Principal } from '../shared/auth/tokens.js';
import type { Context } from '../shared/context.js';
import { RoutingEventEntity } from '../shared/db/entities/index.js';
import { getConversation } from './read-conversations.js';

export interface RoutingEventView {
  id: string; kind: string; queueId: string | null; agentId: string | null; fromAgentId: string | null; fromQueueId: string | null;
  note: string | null; durationSeconds: number | null; at: string;
}

const STEP: Record<string, number> = {
  queued: 0, 'offer-expired': 1, overflowed: 1, requeued: 1, transferred: 1, offered: 2, picked: 3, assigned: 3, closed: 4,
};

export async function routingHistory(ctx: Context, p: Principal, conversationId: string): Promise<RoutingEventView[]> {
  await getConversation(ctx, p, conversationId); // the same access rule as reading the conversation
  const rows = await ctx.db.manager.find(RoutingEventEntity, { where: { conversationId, tenantId: p.tenantId }, order: { createdAt: 'ASC' }, take: 500 });
  // Within one millisecond, what ends a step comes before what starts the next (an expired offer before the re-offer).
  rows.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() || (STEP[a.kind] ?? 9) - (STEP[b.kind] ?? 9));
  return rows.map((e) => ({
    id: e.id, kind: e.kind, queueId: e.queueId, agentId: e.agentId, fromAgentId: e.fromAgentId ?? null, fromQueueId: e.fromQueueId ?? null,
    note: e.note, durationSeconds: e.durationMs == null ? null : e.durationMs / 1000, at: new Date(e.createdAt).toISOString(),
  }));
}
