// An agent answers a conversation offered to them: accepting makes it theirs at once (recorded
// here, not by a job, so the reply carries it); declining sends it to the next agent at once.
import type { Principal } from '../shared/auth/tokens.js';
import type { Context } from '../shared/context.js';
import { AppError, closedMeanwhile } from '../shared/errors.js';
import type { ConversationView } from '../shared/types/api.js';
import type { QueueMachine } from '../queue-machine/index.js';
import { recordAssignment } from './apply-assignment.js';
import { bundleView, loadBundle } from './conversation-store.js';

export async function acceptConversation(ctx: Context, qm: QueueMachine, p: Principal, conversationId: string): Promise<ConversationView> {
  const bundle = await loadBundle(ctx, p.tenantId, conversationId);
  const r = await qm.accept(p.tenantId, conversationId, p.userId);
  if (r.status === 'accepted') {
    const view = await recordAssignment(ctx, qm, bundle, r.assignment);
    if (!view) throw closedMeanwhile();
    return view;
  }
  // Without offers, assignments are immediate: accepting confirms the conversation is yours.
  if (bundle.conversation.agentId === p.userId || r.status === 'assigned') return bundleView(bundle);
  throw new AppError('conflict', 'This conversation is not offered to you (the offer may have expired).');
}

export async function declineConversation(ctx: Context, qm: QueueMachine, p: Principal, conversationId: string): Promise<void> {
  await loadBundle(ctx, p.tenantId, conversationId);
  if (!(await qm.decline(p.tenantId, conversationId, p.userId))) {
    throw new AppError('conflict', 'This conversation is not offered to you (the offer may have expired).');
  }
}
