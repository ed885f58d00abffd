// An agent takes a waiting conversation themselves (manual-pick queues, or any queue of theirs):
// a given one, or the best waiting one. Within their capacity, atomically, like any assignment.
import type { Principal } from '../shared/auth/tokens.js';
import type { Context } from '../shared/context.js';
import { QueueMemberEntity } from '../shared/db/entities/index.js';
import { AppError, closedMeanwhile } from '../shared/errors.js';
import type { ConversationView } from '../shared/types/api.js';
import type { QueueMachine } from '../queue-machine/index.js';
import { recordAssignment } from './apply-assignment.js';
import { loadBundle } from './conversation-store.js';

export interface PickInput { queueId?: string; conversationId?: string }

export async function pickConversation(ctx: Context, qm: QueueMachine, p: Principal, input: PickInput): Promise<ConversationView> {
  if (input.queueId && !(await ctx.db.manager.findOneBy(QueueMemberEntity, { queueId: input.queueId, userId: p.userId, tenantId: p.tenantId }))) {
    throw new AppError('forbidden', 'You are not a member of this queue; ask an admin to add you.');
  }
  if (input.conversationId) await loadBundle(ctx, p.tenantId, input.conversationId); // 404 for another tenant's
  const state = await qm.agentState(p.tenantId, p.userId);
  if (state.status !== 'online') throw new AppError('conflict', 'Set yourself online to take conversations.');
  const a = await qm.pick(p.tenantId, p.userId, input);
  if (!a) {
    throw new AppError('conflict', state.load >= state.capacity
      ? 'You are at your capacity: close a conversation first.'
      : input.conversationId ? 'This conversation is no longer waiting in your queues, or needs skills you do not have.' : 'Nothing is waiting that you can take.');
  }
  const view = await recordAssignment(ctx, qm, await loadBundle(ctx, p.tenantId, a.conversationId), a, { picked: true });
  if (!view) throw closedMeanwhile();
  return view;
}
