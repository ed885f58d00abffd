// Puts a conversation in its queue unless it is closed meanwhile. A close writes the database
// first, then releases the conversation in Redis; an enqueue that raced it could come after that
// release and leave a closed conversation waiting (counted, ahead of others, one day offered).
import type { Context } from '../shared/context.js';
import { ConversationEntity } from '../shared/db/entities/index.js';
import type { EnqueueRequest, QueueMachine } from '../queue-machine/index.js';

/**
 * Enqueues, then reads the conversation's status: either that read sees the close, and the
 * conversation is taken back out (or the agent it was just given gets their capacity back), or
 * the close's release comes after this enqueue and removes it. False when it was closed.
 */
export async function enqueueWhileOpen(ctx: Context, qm: QueueMachine, req: EnqueueRequest): Promise<boolean> {
  await qm.enqueue(req);
  const now = await ctx.db.manager.findOne(ConversationEntity, { where: { id: req.conversationId }, select: { id: true, status: true } });
  if (now && now.status !== 'closed') return true;
  await qm.release(req.tenantId, req.conversationId);
  return false;
}
