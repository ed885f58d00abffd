// The switch: conversation lifecycle and message flow between customer, bot and agent.
// Other services call what is exported here; nothing else in this folder.
import type { Context } from '../shared/context.js';
import type { QueueMachine } from '../queue-machine/index.js';
import { assignmentJobId } from '../shared/types/routing.js';
import { processInbound } from './process-inbound.js';
import { applyAssignment } from './apply-assignment.js';
import { applyRoutingOutcome } from './apply-routing-outcome.js';
import { tellQueuePositions } from './tell-queue-position.js';
import { applyLateStatus } from './late-status.js';

export { receiveInbound, findOrCreateCustomer, applyDeliveryStatus, type StoredInbound } from './receive-inbound.js';
export { sendAgentMessage, type AgentMessageInput } from './send-agent-message.js';
export { updateMessageMedia } from './update-message-media.js';
export { closeConversation } from './close-conversation.js';
export { transferConversation, type TransferInput } from './transfer-conversation.js';
export { getConversation, listConversations, listMessages, syncAgent, searchMessages, type ListFilter } from './read-conversations.js';
export { loadBundle, bundleView, findMessage, recentMessages, type ConversationBundle } from './conversation-store.js';
export { toMessageView, toConversationView } from './views.js';
export { tellQueuePosition, tellQueuePositions, positionText } from './tell-queue-position.js';
export { acceptConversation, declineConversation } from './answer-offer.js';
export { pickConversation, type PickInput } from './pick-conversation.js';
export { routingHistory, type RoutingEventView } from './routing-history.js';
export { postBotMessage } from './post-bot-message.js';
export { assertCanWrite } from './access.js';

/** Runs the switch's workers: inbound messages to act on, assignments and routing outcomes to record, positions to tell, late delivery statuses. */
export function startSwitch(ctx: Context, qm: QueueMachine): void {
  ctx.jobs.work('switch-inbound', (data) => processInbound(ctx, qm, data.messageId));
  qm.recordAssignmentsLocally(async (a) => {
    try {
      await applyAssignment(ctx, qm, a, { fresh: true });
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message, conversationId: a.conversationId }, 'assignment not recorded yet; its job will');
      return;
    }
    const jobId = assignmentJobId(a);
    if (jobId) await ctx.jobs.cancel('switch-assignment', jobId); // recorded: the safety net is not needed
  });
  ctx.jobs.work('switch-assignment', async (a) => {
    if (await qm.isPending(a)) await applyAssignment(ctx, qm, a); // else recorded already (by the process that made it)
  });
  ctx.jobs.work('switch-routing', (data) => applyRoutingOutcome(ctx, qm, data));
  ctx.jobs.work('switch-status', (data) => applyLateStatus(ctx, data));
  ctx.jobs.work('switch-positions', (data) => tellQueuePositions(ctx, qm, data.tenantId, data.queueId, data.conversationId), { concurrency: 4 });
}
