// Stores what a customer's platform sent us (DESIGN.md durability rules 1-3): each event is
// written before the webhook is acknowledged, a redelivered one is recognised by its unique
// key, and the work that follows is a durable job. Called by the gateway's adapters.
import { In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import type { Context } from '../shared/context.js';
import {
  ConversationEntity, CustomerEntity, MessageEntity, QueueEntity,
  type Channel, type Conversation, type Customer, type Message,
} from '../shared/db/entities/index.js';
import { isUniqueViolation } from '../shared/db/unique-violation.js';
import { newId } from '../shared/ids.js';
import type { DeliveryStatus, InboundEvent } from '../shared/types/message.js';
import { customerMessageView, scheduleMediaFetch } from '../media-server/index.js';
import { toMessageView } from './views.js';
import type { MessageView } from '../shared/types/api.js';

export interface StoredInbound { event: InboundEvent; message?: Message; conversation?: Conversation; customer?: Customer; duplicate: boolean }

/** Stores every event in order; resolves only once all are durable and their jobs queued. */
export async function receiveInbound(ctx: Context, channel: Channel, events: InboundEvent[]): Promise<StoredInbound[]> {
  const results: StoredInbound[] = [];
  for (const event of events) {
    if (event.kind === 'message' && event.message) {
      const stored = await storeInboundMessage(ctx, channel, event);
      if (isOngoing(stored.conversation)) {
        // The common case: the conversation's agent is told now, before the platform hears 200,
        // so no work is left after the acknowledgement and no job is needed. A redelivered copy
        // tells them again (consoles keep a message once, by id): if we died between storing and
        // telling last time, this is what finishes the work.
        announceInbound(ctx, channel, stored.message, stored.conversation);
      } else {
        // Routing is work after the acknowledgement: a durable job. Queued again for a duplicate
        // too, for the same reason as above; the job id makes it one job.
        await ctx.jobs.add('switch-inbound', { messageId: stored.message.id }, { jobId: `in-${stored.message.id}` });
      }
      await scheduleMediaFetch(ctx, stored.message); // platform attachments: fetched into our store by the media server
      results.push({ event, ...stored });
    } else if (event.kind === 'status' && event.status) {
      if (event.status.watermark) await applyStatusUpTo(ctx, channel, event.externalUserId, event.status.status, event.status.watermark);
      else await applyDeliveryStatus(ctx, channel, event.status.externalMessageId, event.status.status, event.status.error);
      results.push({ event, duplicate: false });
    } else {
      ctx.logger.debug({ channelId: channel.id, event: event.event?.name }, 'platform event received');
      results.push({ event, duplicate: false });
    }
  }
  return results;
}

/** Assigned to an agent: nothing to route, only someone to tell. */
export function isOngoing(c: Conversation): c is Conversation & { agentId: string } {
  return c.status === 'assigned' && !!c.agentId;
}

/** Tells the conversation's agent (and the web widget's other tabs) of a customer's stored message. */
export function announceInbound(ctx: Context, channel: Pick<Channel, 'platform'>, msg: Message, c: Conversation & { agentId: string }): void {
  const message = toMessageView(msg);
  echoToWidget(ctx, channel, c.customerId, message);
  ctx.broadcaster.toAgent(c.agentId, 'message:new', { conversationId: c.id, message });
}

/** A web chat customer's other tabs see their message too; other platforms have no sockets of ours. */
export function echoToWidget(ctx: Context, channel: Pick<Channel, 'platform'>, customerId: string, message: MessageView): void {
  // The widget's links are ones the page can load.
  if (channel.platform === 'webchat') ctx.broadcaster.toCustomer(customerId, 'message:new', { message: customerMessageView(ctx, message) });
}

/** Finds or creates the customer and their open conversation, then stores the message once. */
export async function storeInboundMessage(ctx: Context, channel: Channel, event: InboundEvent): Promise<{ message: Message; conversation: Conversation; customer: Customer; duplicate: boolean }> {
  const rows = ctx.rows;
  const existing = await rows.findOne(MessageEntity, { channelId: channel.id, externalMessageId: event.externalMessageId });
  const customer = await findOrCreateCustomer(ctx, channel, event);
  if (existing) {
    const conversation = await rows.findOne(ConversationEntity, { id: existing.conversationId });
    if (!conversation) throw new Error(`conversation ${existing.conversationId} of message ${existing.id} is missing`);
    return { message: existing, conversation, customer, duplicate: true };
  }
  const conversation = await openConversationFor(ctx, channel, customer);
  const now = new Date();
  const content = event.message!;
  const message = {
    id: newId(), tenantId: channel.tenantId, conversationId: conversation.id, channelId: channel.id,
    direction: 'in', sender: 'customer', agentId: null, type: content.type, text: content.text ?? transcriptOf(content) ?? null,
    content: pickContent(content), status: 'received', error: null,
    externalMessageId: event.externalMessageId, clientMessageId: event.clientMessageId ?? null, createdAt: now, updatedAt: now,
  } as Message; // seq is given by the database on insert
  try {
    await rows.insert(MessageEntity, message);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Two copies arrived at the same moment (two processes): the other one stored it.
    const winner = await rows.findOne(MessageEntity, { channelId: channel.id, externalMessageId: event.externalMessageId });
    if (!winner) throw err;
    return { message: winner, conversation, customer, duplicate: true };
  }
  await rows.update(ConversationEntity, { id: conversation.id }, { lastMessageAt: now, updatedAt: now });
  conversation.lastMessageAt = now;
  conversation.updatedAt = now;
  return { message, conversation, customer, duplicate: false };
}

/** A voice note's transcript from the platform (WeChat Recognition) is the message's text. */
function transcriptOf(c: NonNullable<InboundEvent['message']>): string | undefined {
  return c.media?.map((m) => m.transcript?.trim()).filter(Boolean).join('\n') || undefined;
}

function pickContent(c: NonNullable<InboundEvent['message']>): Message['content'] {
  const rest: Message['content'] = {};
  if (c.media?.length) rest.media = c.media;
  if (c.location) rest.location = c.location;
  if (c.replyToExternalId) rest.replyToExternalId = c.replyToExternalId;
  if (c.payload) rest.payload = c.payload;
  return Object.keys(rest).length ? rest : null;
}

export async function findOrCreateCustomer(ctx: Context, channel: Channel, event: Pick<InboundEvent, 'externalUserId' | 'profile'>): Promise<Customer> {
  const rows = ctx.rows;
  const found = await rows.findOne(CustomerEntity, { channelId: channel.id, externalUserId: event.externalUserId });
  const name = event.profile?.displayName?.slice(0, 200);
  if (found) {
    if (name && name !== found.displayName) {
      await rows.update(CustomerEntity, { id: found.id }, { displayName: name });
      found.displayName = name;
    }
    return found;
  }
  const customer: Customer = {
    id: newId(), tenantId: channel.tenantId, channelId: channel.id, externalUserId: event.externalUserId,
    displayName: name ?? null, locale: event.profile?.locale?.slice(0, 32) ?? null, avatarUrl: event.profile?.avatarUrl ?? null,
    visitorTokenHash: null, openConversationId: null, createdAt: new Date(),
  };
  try {
    await rows.insert(CustomerEntity, customer);
    return customer;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await rows.findOne(CustomerEntity, { channelId: channel.id, externalUserId: event.externalUserId });
    if (!winner) throw err;
    return winner;
  }
}

/**
 * The customer's open conversation, or a new one. The customer row points at its open
 * conversation and is set by compare-and-set, so two processes never open two at once.
 */
export async function openConversationFor(ctx: Context, channel: Channel, customer: Customer): Promise<Conversation> {
  const m = ctx.db.manager;
  for (let attempt = 0; attempt < 3; attempt++) {
    // The customer row was just read by the caller; only a lost race makes it worth reading again.
    const current = attempt === 0 ? customer : await ctx.rows.findOne(CustomerEntity, { id: customer.id });
    if (current?.openConversationId) {
      const open = await ctx.rows.findOne(ConversationEntity, { id: current.openConversationId });
      if (open && open.status !== 'closed') return open;
    }
    const queueId = channel.queueId ?? (await m.findOne(QueueEntity, { where: { tenantId: channel.tenantId }, order: { createdAt: 'ASC' } }))?.id ?? null;
    const now = new Date();
    const conversation: Conversation = {
      id: newId(), tenantId: channel.tenantId, channelId: channel.id, customerId: customer.id,
      status: queueId ? 'queued' : 'bot', queueId, agentId: null, priority: 0,
      createdAt: now, updatedAt: now, closedAt: null, disposition: null, lastMessageAt: null,
      queuedAt: queueId ? now : null, assignedAt: null,
    };
    await m.insert(ConversationEntity, conversation);
    const res = await m.createQueryBuilder().update(CustomerEntity).set({ openConversationId: conversation.id })
      .where('id = :id', { id: customer.id })
      .andWhere(current?.openConversationId ? 'open_conversation_id = :prev' : 'open_conversation_id IS NULL', { prev: current?.openConversationId })
      .execute();
    if (res.affected === 1) {
      customer.openConversationId = conversation.id;
      return conversation;
    }
    await m.delete(ConversationEntity, { id: conversation.id }); // lost the race: use the winner's
  }
  throw new Error(`could not open a conversation for customer ${customer.id}`);
}

const RANK: Record<DeliveryStatus, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

/** A platform's delivery report: statuses only move forward (a late 'delivered' never undoes 'read'). */
export async function applyDeliveryStatus(ctx: Context, channel: Channel, externalMessageId: string, status: DeliveryStatus, error?: string): Promise<Message | null> {
  const m = ctx.db.manager;
  const msg = await m.findOneBy(MessageEntity, { channelId: channel.id, externalMessageId, direction: 'out' });
  if (!msg) return null;
  const current = RANK[msg.status as DeliveryStatus] ?? 0;
  if (RANK[status] <= current) return msg;
  await m.update(MessageEntity, { seq: msg.seq }, { status, error: error ?? null, updatedAt: new Date() });
  msg.status = status;
  msg.error = error ?? null;
  const conv = await m.findOneBy(ConversationEntity, { id: msg.conversationId });
  if (conv?.agentId) ctx.broadcaster.toAgent(conv.agentId, 'message:status', { conversationId: msg.conversationId, messageId: msg.id, status, ...(error ? { error } : {}) });
  return msg;
}

/**
 * A watermark report (Messenger): every message we sent this customer's latest conversation up
 * to `watermark` reached `status`, unless it is further already.
 */
export async function applyStatusUpTo(ctx: Context, channel: Channel, externalUserId: string, status: DeliveryStatus, watermark: Date): Promise<number> {
  const m = ctx.db.manager;
  const customer = await m.findOneBy(CustomerEntity, { channelId: channel.id, externalUserId });
  if (!customer) return 0;
  const conversationId = customer.openConversationId
    ?? (await m.findOne(ConversationEntity, { where: { customerId: customer.id }, order: { createdAt: 'DESC' } }))?.id;
  if (!conversationId) return 0;
  const behind = (Object.keys(RANK) as DeliveryStatus[]).filter((s) => s !== 'failed' && RANK[s] < RANK[status]);
  const rows = await m.find(MessageEntity, {
    where: { conversationId, direction: 'out', status: In(behind), createdAt: LessThanOrEqual(watermark), externalMessageId: Not(IsNull()) },
    order: { seq: 'ASC' }, take: 500,
  });
  for (const r of rows) await applyDeliveryStatus(ctx, channel, r.externalMessageId!, status);
  return rows.length;
}

export { toMessageView };
