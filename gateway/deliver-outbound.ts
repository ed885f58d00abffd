// Job: sends one stored outbound message to its platform. The checks every platform shares live
// here once (as Chatwoot's SendOnChannelService); an adapter implements only the platform call.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Context } from '../shared/context.js';
import { ConversationEntity, CustomerEntity, MessageEntity, type Message } from '../shared/db/entities/index.js';
import type { MessageStatus } from '../shared/types/message.js';
import { toMessageView } from '../switch/index.js';
import { customerMessageView, withSignedMediaUrls } from '../media-server/index.js';
import { channelRuntime } from './channels.js';
import { adapterFor } from './registry.js';
import { SendError } from './send-error.js';
import { isUniqueViolation } from '../shared/db/unique-violation.js';

export async function deliverOutbound(ctx: Context, messageId: string, job?: Job, token?: string): Promise<void> {
  const msg = await ctx.rows.findOne(MessageEntity, { id: messageId });
  if (!msg || msg.direction !== 'out' || msg.status !== 'pending') return; // already sent, or not ours to send
  const conversation = await ctx.rows.findOne(ConversationEntity, { id: msg.conversationId });
  const customer = conversation && await ctx.rows.findOne(CustomerEntity, { id: conversation.customerId });
  if (!conversation || !customer) return markFailed(ctx, msg, null, 'The conversation of this message no longer exists.');
  const rt = await channelRuntime(ctx, msg.channelId);
  const adapter = rt && adapterFor(rt.channel.platform);
  if (!rt || !adapter) return markFailed(ctx, msg, conversation.agentId, 'The channel of this conversation was removed or is not available.');

  // Sent already, but the recording failed (the database was away): record it, never send again.
  // Only a run after an earlier one (a retry, or a job taken over from a process that stalled)
  // can find such a marker, so a first run does not ask.
  const sentMarker = ctx.key('outbound-sent', msg.id);
  const ranBefore = !job || job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
  const alreadySent = ranBefore ? await ctx.redis.get(sentMarker) : null;
  if (alreadySent !== null) {
    await recordSent(ctx, msg, conversation.agentId, alreadySent);
    await ctx.redis.del(sentMarker);
    return;
  }

  let externalMessageId: string;
  try {
    const result = await adapter.send(ctx, rt, {
      messageId: msg.id, conversationId: msg.conversationId, channelId: msg.channelId, tenantId: msg.tenantId,
      externalUserId: customer.externalUserId, customerId: customer.id,
      // Attachments carry absolute signed links, made now so that a retried send gets fresh ones.
      content: withSignedMediaUrls(ctx, { type: msg.type, ...(msg.text != null ? { text: msg.text } : {}), ...(msg.content ?? {}) }),
      view: customerMessageView(ctx, toMessageView(msg)),
    });
    externalMessageId = result.externalMessageId;
  } catch (err) {
    const e = err instanceof SendError ? err : SendError.transient((err as Error).message ?? String(err));
    const lastAttempt = !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (e.permanent || lastAttempt) {
      await markFailed(ctx, msg, conversation.agentId, e.message);
      throw new UnrecoverableError(e.message);
    }
    if (e.retryAfterMs !== undefined && job && token) {
      await job.moveToDelayed(Date.now() + e.retryAfterMs, token); // the platform said when: honour it
      throw new DelayedError();
    }
    throw e;
  }
  // The platform has it: from here on a failure must not lead to a second send.
  await ctx.redis.set(sentMarker, externalMessageId, 'EX', 7 * 86_400);
  await recordSent(ctx, msg, conversation.agentId, externalMessageId);
  await ctx.redis.del(sentMarker);
}

/** Marks the message sent with the platform's id; an id some other message has already (a platform reusing ids) is left out, not fatal. */
async function recordSent(ctx: Context, msg: Message, agentId: string | null, externalMessageId: string): Promise<void> {
  try {
    await setStatus(ctx, msg, agentId, 'sent', null, externalMessageId || undefined);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    ctx.logger.warn({ messageId: msg.id, externalMessageId }, 'platform message id already recorded for another message; kept without it');
    await setStatus(ctx, msg, agentId, 'sent', null);
  }
}

async function markFailed(ctx: Context, msg: Message, agentId: string | null, reason: string): Promise<void> {
  await setStatus(ctx, msg, agentId, 'failed', reason.slice(0, 1000));
}

async function setStatus(ctx: Context, msg: Message, agentId: string | null, status: MessageStatus, error: string | null, externalMessageId?: string): Promise<void> {
  await ctx.rows.update(MessageEntity, { seq: msg.seq }, {
    status, error, updatedAt: new Date(), ...(externalMessageId ? { externalMessageId } : {}),
  });
  if (agentId) ctx.broadcaster.toAgent(agentId, 'message:status', { conversationId: msg.conversationId, messageId: msg.id, status, ...(error ? { error } : {}) });
}
