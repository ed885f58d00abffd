// Job: sends one stored outbound message to its platform. The checks every platform shares live
// here once (as Chatwoot's SendOnChannelService); an adapter implements only the platform call.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Context } from '../shared/context.js';
import { ConversationEntity, CustomerEntity, MessageEntity, type Message } from '../shared/db/entities/index.js';
import type { MessageStatus } from '../shared/types/message.js';
import type { JobPayloads, OutboundSnapshot } from '../shared/jobs/job-types.js';
import { toMessageView } from '../switch/index.js';
import { customerMessageView, withSignedMediaUrls } from '../media-server/index.js';
import { channelRuntime } from './channels.js';
import { adapterFor } from './registry.js';
import { SendError } from './send-error.js';
import { isUniqueViolation } from '../shared/db/unique-violation.js';

export async function deliverOutbound(ctx: Context, data: JobPayloads['gateway-outbound'], job?: Job, token?: string): Promise<void> {
  // A first run sends what the producer stored and handed over (the job exists only once its
  // message does, and nothing else sends it). A retry, or a run taken over from a process that
  // stalled, reads what is stored now: the message may have been sent or failed meanwhile.
  const ranBefore = !job || job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
  const target = !ranBefore && data.first ? fromSnapshot(data.first) : await readTarget(ctx, data.messageId);
  if (!target) return; // already sent, or not ours to send
  const { msg, agentId } = target;
  if (!target.customer) return markFailed(ctx, msg, agentId, 'The conversation of this message no longer exists.');
  const rt = await channelRuntime(ctx, msg.channelId);
  const adapter = rt && adapterFor(rt.channel.platform);
  if (!rt || !adapter) return markFailed(ctx, msg, agentId, 'The channel of this conversation was removed or is not available.');

  // Sent already, but the recording failed (the database was away): record it, never send again.
  // Only a run after an earlier one can find such a marker, or a job queued again for a message
  // (a resend): a first run carrying its message does not ask.
  const sentMarker = ctx.key('outbound-sent', msg.id);
  const alreadySent = ranBefore || !data.first ? await ctx.redis.get(sentMarker) : null;
  if (alreadySent !== null) {
    await recordSent(ctx, msg, agentId, alreadySent);
    await ctx.redis.del(sentMarker);
    return;
  }

  let externalMessageId: string;
  try {
    const result = await adapter.send(ctx, rt, {
      messageId: msg.id, conversationId: msg.conversationId, channelId: msg.channelId, tenantId: msg.tenantId,
      externalUserId: target.customer.externalUserId, customerId: target.customer.id,
      // Attachments carry absolute signed links, made now so that a retried send gets fresh ones.
      content: withSignedMediaUrls(ctx, { type: msg.type, ...(msg.text != null ? { text: msg.text } : {}), ...(msg.content ?? {}) }),
      view: customerMessageView(ctx, toMessageView(msg)),
    });
    externalMessageId = result.externalMessageId;
  } catch (err) {
    const e = err instanceof SendError ? err : SendError.transient((err as Error).message ?? String(err));
    const lastAttempt = !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (e.permanent || lastAttempt) {
      await markFailed(ctx, msg, agentId, e.message);
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
  await recordSent(ctx, msg, agentId, externalMessageId);
  await ctx.redis.del(sentMarker);
}

/** A message to send, the agent to tell about it, and its recipient (null when the conversation is gone). */
interface SendTarget { msg: Omit<Message, 'seq'>; agentId: string | null; customer: { id: string; externalUserId: string } | null }

/** The stored message and its recipient; null when it is no longer ours to send (sent, failed, or not outbound). */
async function readTarget(ctx: Context, messageId: string): Promise<SendTarget | null> {
  const msg = await ctx.rows.findOne(MessageEntity, { id: messageId });
  if (!msg || msg.direction !== 'out' || msg.status !== 'pending') return null;
  const conversation = await ctx.rows.findOne(ConversationEntity, { id: msg.conversationId });
  const customer = conversation && await ctx.rows.findOne(CustomerEntity, { id: conversation.customerId });
  return { msg, agentId: conversation?.agentId ?? null, customer: customer ?? null };
}

function fromSnapshot(s: OutboundSnapshot): SendTarget {
  const msg = { ...s.message, createdAt: new Date(s.message.createdAt), updatedAt: new Date(s.message.updatedAt) };
  return { msg, agentId: s.agentId, customer: { id: s.customerId, externalUserId: s.externalUserId } };
}

/** Marks the message sent with the platform's id; an id some other message has already (a platform reusing ids) is left out, not fatal. */
async function recordSent(ctx: Context, msg: Omit<Message, 'seq'>, agentId: string | null, externalMessageId: string): Promise<void> {
  try {
    await setStatus(ctx, msg, agentId, 'sent', null, externalMessageId || undefined);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    ctx.logger.warn({ messageId: msg.id, externalMessageId }, 'platform message id already recorded for another message; kept without it');
    await setStatus(ctx, msg, agentId, 'sent', null);
  }
}

async function markFailed(ctx: Context, msg: Omit<Message, 'seq'>, agentId: string | null, reason: string): Promise<void> {
  await setStatus(ctx, msg, agentId, 'failed', reason.slice(0, 1000));
}

async function setStatus(ctx: Context, msg: Omit<Message, 'seq'>, agentId: string | null, status: MessageStatus, error: string | null, externalMessageId?: string): Promise<void> {
  await ctx.rows.update(MessageEntity, { id: msg.id }, {
    status, error, updatedAt: new Date(), ...(externalMessageId ? { externalMessageId } : {}),
  });
  if (agentId) ctx.broadcaster.toAgent(agentId, 'message:status', { conversationId: msg.conversationId, messageId: msg.id, status, ...(error ? { error } : {}) });
}
