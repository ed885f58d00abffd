// Sends stored outbound messages to their platforms. The checks every platform shares live here
// once (as Chatwoot's SendOnChannelService); an adapter implements only the platform call. Two
// ways in: a fresh reply is sent at once by the process that stored it (sendingNow), anything else
// by its durable job (deliverOutbound: retries, recoveries, resends, bot messages). Either holds
// the message's send lease (send-lease.ts) while it calls the platform.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Context } from '../shared/context.js';
import { ConversationEntity, CustomerEntity, MessageEntity, type Message } from '../shared/db/entities/index.js';
import type { MessageStatus } from '../shared/types/message.js';
import type { JobPayloads, OutboundSnapshot } from '../shared/jobs/job-types.js';
import { queueOutboundSend, type SendClaim, type SendHere } from '../shared/jobs/outbound-send.js';
import { toMessageView } from '../switch/index.js';
import { customerMessageView, withSignedMediaUrls } from '../media-server/index.js';
import { channelRuntime } from './channels.js';
import { adapterFor } from './registry.js';
import { SendError } from './send-error.js';
import { isUniqueViolation } from '../shared/db/unique-violation.js';
import { sentMarkerKey, takeSendLease, type SendLease } from './send-lease.js';

/** How long a job that found its message being sent waits before it looks again. */
const LEASE_WAIT_MS = 2000;

export async function deliverOutbound(ctx: Context, data: JobPayloads['gateway-outbound'], job?: Job, token?: string): Promise<void> {
  const lease = await takeSendLease(ctx, data.messageId);
  if (!lease) {
    // Being sent right now (by the process that stored it, say): look again once that is over.
    if (job && token) {
      await job.moveToDelayed(Date.now() + LEASE_WAIT_MS, token);
      throw new DelayedError();
    }
    throw SendError.transient('This message is being sent by another process.');
  }
  // A first run sends what the producer stored and handed over (the job exists only once its
  // message does, and nothing else sends it). A retry, a run after a wait, or a run taken over
  // from a process that stalled, reads what is stored now: the message may have been sent or
  // failed meanwhile. Read with the lease held, so that no send can finish unseen after it.
  const ranBefore = !job || job.attemptsMade > 0 || (job.attemptsStarted ?? 0) > 1 || (job.stalledCounter ?? 0) > 0;
  const first = !ranBefore && data.first;
  const target = first ? fromSnapshot(first) : await lease.guard(() => readTarget(ctx, data.messageId));
  if (!target) return lease.release(); // already sent, or not ours to send
  // Sent already, but the recording failed (the database was away): record it, never send again.
  // Only a run after an earlier one can find such a marker, or a job queued again for a message
  // (a resend, a retry after a send at once): a first run carrying its message does not ask.
  const lastTry = !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const outcome = await attempt(ctx, target, lease, { askMarker: ranBefore || !data.first, lastTry });
  if (outcome.kind === 'sent') return;
  if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.reason);
  const e = outcome.error;
  if (e.retryAfterMs !== undefined && job && token) {
    await job.moveToDelayed(Date.now() + e.retryAfterMs, token); // the platform said when: honour it
    throw new DelayedError();
  }
  throw e;
}

/**
 * Sends fresh replies from the process that stored them, at most `sendsAtOnce` at a time: no job
 * to add, fetch and finish for the common case. A send that must be tried again, or that Redis or
 * the database interrupted, gets its job, which reads what is stored (sent marker included).
 * Replies to one conversation leave one after another, in the order they were stored: a later
 * one is not sent before the platform has answered for the one before it.
 */
export function sendingNow(ctx: Context): SendHere {
  let underWay = 0;
  const lastOf = new Map<string, Promise<void>>(); // the latest send of each conversation
  return {
    // A claim is the message's send lease, taken before the message exists.
    claim: async (messageId) => {
      const lease = await takeSendLease(ctx, messageId);
      return lease && Object.assign(lease, { giveBack: () => lease.abandon().catch(() => { /* it runs out */ }) });
    },
    start: (messageId, first, claim) => {
      if (underWay >= ctx.config.sendsAtOnce) return false;
      underWay++;
      const conversationId = first.message.conversationId;
      const before = lastOf.get(conversationId);
      const send = (): Promise<void> => sendNow(ctx, messageId, first, claim as ClaimedLease | undefined); // never rejects
      const p: Promise<void> = (before ? before.then(send) : send()).finally(() => {
        underWay--;
        if (lastOf.get(conversationId) === p) lastOf.delete(conversationId);
      });
      lastOf.set(conversationId, p);
      ctx.outbound.track(p);
      return true;
    },
  };
}

/** The claims this gateway makes (SendHere.claim) are send leases; only they are handed back to start(). */
type ClaimedLease = SendLease & SendClaim;

async function sendNow(ctx: Context, messageId: string, first: OutboundSnapshot, claimed?: ClaimedLease): Promise<void> {
  let retry: SendError | undefined;
  try {
    const lease = claimed ?? await takeSendLease(ctx, messageId);
    if (!lease) return; // its job (a resend) has it, and sends it
    if (!claimed) {
      // Read with the lease held, as a job does: a resend's job may have sent it before this
      // began. A message claimed before it was stored cannot have been sent by anyone else.
      const stored = await lease.guard(() => ctx.rows.findOne(MessageEntity, { id: messageId }));
      if (stored?.status !== 'pending') return await lease.release();
    }
    const outcome = await attempt(ctx, fromSnapshot(first), lease, { askMarker: false, lastTry: false });
    if (outcome.kind !== 'retry') return;
    retry = outcome.error;
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message, messageId }, 'a reply could not be sent at once; its job finishes the work');
  }
  try {
    await queueOutboundSend(ctx.jobs, messageId, undefined, retry?.retryAfterMs ?? firstBackoffMs(ctx));
  } catch (err) {
    ctx.logger.error({ err: (err as Error).message, messageId }, 'a reply to retry could not get its job; the pending sends sweep will queue it');
  }
}

/** The job's own first backoff, with the same jitter (half of it): sends that failed together do not retry in lockstep. */
function firstBackoffMs(ctx: Context): number {
  return Math.round(ctx.config.jobBackoffMs * (0.5 + Math.random() * 0.5));
}

type Attempt = { kind: 'sent' } | { kind: 'failed'; reason: string } | { kind: 'retry'; error: SendError };

/** One try at sending a message whose lease is held; gives the lease back. */
async function attempt(ctx: Context, target: SendTarget, lease: SendLease, o: TryOptions): Promise<Attempt> {
  // Not recorded (the database was away): the lease goes, and the sent marker, if the platform
  // has the message, stays for the next try to record from.
  const outcome = await lease.guard(() => tryOnce(ctx, target, o));
  await lease.release(); // recorded, or to be tried again: the marker has served
  return outcome;
}

/** askMarker: look for a send the platform accepted but we did not record. lastTry: a transient failure is final. */
interface TryOptions { askMarker: boolean; lastTry: boolean }

/**
 * The channel and recipient checked, the platform called, the outcome recorded and told. A
 * permanent failure (or any on the last try) is recorded as failed; a transient one is returned,
 * to be tried again.
 */
async function tryOnce(ctx: Context, target: SendTarget, { askMarker, lastTry }: TryOptions): Promise<Attempt> {
  const { msg, agentId } = target;
  const failed = async (reason: string): Promise<Attempt> => {
    await markFailed(ctx, msg, agentId, reason);
    return { kind: 'failed', reason };
  };
  if (!target.customer) return failed('The conversation of this message no longer exists.');
  const rt = await channelRuntime(ctx, msg.channelId);
  const adapter = rt && adapterFor(rt.channel.platform);
  if (!rt || !adapter) return failed('The channel of this conversation was removed or is not available.');

  const sentMarker = sentMarkerKey(ctx, msg.id);
  const alreadySent = askMarker ? await ctx.redis.get(sentMarker) : null;
  if (alreadySent !== null) {
    await recordSent(ctx, msg, agentId, alreadySent);
    return { kind: 'sent' };
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
    return e.permanent || lastTry ? failed(e.message) : { kind: 'retry', error: e };
  }
  // The platform has it: from here on a failure must not lead to a second send.
  await ctx.redis.set(sentMarker, externalMessageId, 'EX', 7 * 86_400);
  await recordSent(ctx, msg, agentId, externalMessageId);
  return { kind: 'sent' };
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
