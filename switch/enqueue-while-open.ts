// Queue and capacity state for a conversation that may have been closed meanwhile. A close writes
// the database first, then releases the conversation in Redis; an enqueue or an assignment that
// raced it could come after that release and leave a closed conversation waiting (counted, ahead
// of others, one day offered) or holding an agent's capacity.
import type { Context } from '../shared/context.js';
import { ConversationEntity } from '../shared/db/entities/index.js';
import type { EnqueueRequest, QueueMachine } from '../queue-machine/index.js';

/**
 * Reads the conversation's status after a change in Redis: either that read sees the close, and
 * the conversation is released (taken out of its queue, or its agent gets the capacity back), or
 * the close wrote after the read, so its own release comes after the change. True when released.
 */
export async function releaseIfClosed(ctx: Context, qm: QueueMachine, tenantId: string, conversationId: string): Promise<boolean> {
  const now = await ctx.rows.findOne(ConversationEntity, { id: conversationId });
  if (now && now.status !== 'closed') return false;
  await qm.release(tenantId, conversationId);
  return true;
}

/** Enqueues, unless the conversation turns out closed meanwhile (releaseIfClosed). False when it was closed. */
export async function enqueueWhileOpen(ctx: Context, qm: QueueMachine, req: EnqueueRequest): Promise<boolean> {
  await qm.enqueue(req);
  return !(await releaseIfClosed(ctx, qm, req.tenantId, req.conversationId));
}
