// Stores what a customer's platform sent us (DESIGN.md durability rules 1-3): each event is
// written before the webhook is acknowledged, a redelivered one is recognised by its unique
// key, and the work that follows is a durable job. Called by the gateway's adapters. Storing is a
// unit of work (shared/db/work.ts): on SQLite, webhooks arriving together share one commit.
import { In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import type { Context } from '../shared/context.js';
import {
  ConversationEntity, CustomerEntity, MessageEntity, QueueEntity,
  type Channel, type Conversation, type Customer, type Message,
} from '../shared/db/entities/index.js';
import { findOne, findOneWith, insert, insertOrFind, remove, update, type Work } from '../shared/db/work.js';
import { newId } from '../shared/ids.js';
import type { DeliveryStatus, InboundEvent } from '../shared/types/message.js';
import { customerMessageView, scheduleMediaFetch } from '../media-server/index.js';
import { toMessageView } from './views.js';
import { tryStatusLater } from './late-status.js';
import type { MessageView } from '../shared/types/api.js';

export interface StoredInbound { event: InboundEvent; message?: Message; conversation?: Conversation; customer?: Customer; duplicate: boolean }

/** Stores every event in order; resolves only once all are durable and their jobs queued. */
export async function receiveInbound(ctx: Context, channel: Channel, events: InboundEvent[]): Promise<StoredInbound[]> {
  const results: StoredInbound[] = [];
  const isMessage = (e: InboundEvent) => e.kind === 'message' && !!e.message;
  for (let i = 0; i < events.length;) {
    const event = events[i];
    if (isMessage(event)) {
      // A run of messages is stored together (on SQLite in one group commit with other webhooks'),
      // in order, and only then is anyone told.
      const run: InboundEvent[] = [];
      while (i < events.length && isMessage(events[i])) run.push(events[i++]);
      const stored = await ctx.rows.runInOrder(run.map((e) => () => storeInboundMessage(channel, e)));
      for (const [k, s] of stored.entries()) {
        await afterStored(ctx, channel, s);
        results.push({ event: run[k], ...s });
      }
      continue;
    }
    i++;
    if (event.kind === 'status' && event.status) {
      if (event.status.watermark) await applyStatusUpTo(ctx, channel, event.externalUserId, event.status.status, event.status.watermark);
      else {
        const { externalMessageId, status, error } = event.status;
        const applied = await applyDeliveryStatus(ctx, channel, externalMessageId, status, error);
        if (!applied) await tryStatusLater(ctx, { channelId: channel.id, externalMessageId, status, ...(error ? { error } : {}) });
      }
      results.push({ event, duplicate: false });
    } else {
      ctx.logger.debug({ channelId: channel.id, event: event.event?.name }, 'platform event received');
      results.push({ event, duplicate: false });
    }
  }
  return results;
}

/** What follows a stored message: its agent is told, or it is routed by a durable job; its attachments are fetched. */
async function afterStored(ctx: Context, channel: Channel, stored: StoredMessage): Promise<void> {
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

interface StoredMessage { message: Message; conversation: Conversation; customer: Customer; duplicate: boolean }

/**
 * Finds or creates the customer and their open conversation, then stores the message once (a unit
 * of work). The common case, a known customer writing into an open conversation, is one read (the
 * customer with that conversation) and the insert, whose unique key recognises a redelivery. Only
 * a customer without an open conversation is checked for a redelivery first, so that a copy of an
 * old message never opens a new conversation.
 */
function* storeInboundMessage(channel: Channel, event: InboundEvent): Work<StoredMessage> {
  const key = { channelId: channel.id, externalMessageId: event.externalMessageId };
  const known = yield* findOneWith(CustomerEntity, { channelId: channel.id, externalUserId: event.externalUserId }, { openConversationId: ConversationEntity });
  const open = known?.with.openConversationId;
  if (known && open && open.status !== 'closed') {
    const customer = yield* withProfile(known.row, event);
    return yield* storeInto(channel, event, customer, open);
  }
  const existing = yield* findOne(MessageEntity, key);
  const customer = known ? yield* withProfile(known.row, event) : yield* customerOf(channel, event);
  if (existing) return yield* duplicateOf(existing, customer);
  return yield* storeInto(channel, event, customer, yield* openConversation(channel, customer));
}

/** Stores the message in the conversation and touches it; a redelivery (two copies at once on two processes, say) gives back the stored one. */
function* storeInto(channel: Channel, event: InboundEvent, customer: Customer, conversation: Conversation): Work<StoredMessage> {
  const now = new Date();
  const content = event.message!;
  const message = {
    id: newId(), tenantId: channel.tenantId, conversationId: conversation.id, channelId: channel.id,
    direction: 'in', sender: 'customer', agentId: null, type: content.type, text: content.text ?? transcriptOf(content) ?? null,
    content: pickContent(content), status: 'received', error: null,
    externalMessageId: event.externalMessageId, clientMessageId: event.clientMessageId ?? null, createdAt: now, updatedAt: now,
  } as Message; // seq is given by the database on insert
  const stored = yield* insertOrFind(MessageEntity, message, { channelId: channel.id, externalMessageId: event.externalMessageId });
  if (!stored.inserted) return yield* duplicateOf(stored.row, customer);
  // Touched only in the state it was read in. On MySQL another transaction may have changed it
  // since (reads take no locks); on SQLite a unit runs whole, so this always matches.
  const touched = yield* update(ConversationEntity, { id: conversation.id, status: conversation.status }, { lastMessageAt: now, updatedAt: now });
  if (touched !== 1) {
    const current = yield* findOne(ConversationEntity, { id: conversation.id });
    if (!current || current.status === 'closed') {
      // Closed meanwhile: kept there, the message would reach nobody. It opens the customer's
      // next conversation instead, as it would have a moment later.
      yield* remove(MessageEntity, { id: message.id });
      return yield* storeInto(channel, event, customer, yield* openConversation(channel, customer));
    }
    yield* update(ConversationEntity, { id: conversation.id }, { lastMessageAt: now, updatedAt: now });
    Object.assign(conversation, current); // assigned or queued since: the caller acts on what it is now
  }
  conversation.lastMessageAt = now;
  conversation.updatedAt = now;
  return { message, conversation, customer, duplicate: false };
}

/** A message stored before, with the conversation it was stored in. */
function* duplicateOf(existing: Message, customer: Customer): Work<StoredMessage> {
  const conversation = yield* findOne(ConversationEntity, { id: existing.conversationId });
  if (!conversation) throw new Error(`conversation ${existing.conversationId} of message ${existing.id} is missing`);
  return { message: existing, conversation, customer, duplicate: true };
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

/** The customer a platform user is, created on their first message. */
export function findOrCreateCustomer(ctx: Context, channel: Channel, event: Pick<InboundEvent, 'externalUserId' | 'profile'>): Promise<Customer> {
  return ctx.rows.run(() => customerOf(channel, event));
}

function* customerOf(channel: Channel, event: Pick<InboundEvent, 'externalUserId' | 'profile'>): Work<Customer> {
  const found = yield* findOne(CustomerEntity, { channelId: channel.id, externalUserId: event.externalUserId });
  if (found) return yield* withProfile(found, event);
  const name = event.profile?.displayName?.slice(0, 200);
  const customer: Customer = {
    id: newId(), tenantId: channel.tenantId, channelId: channel.id, externalUserId: event.externalUserId,
    displayName: name ?? null, locale: event.profile?.locale?.slice(0, 32) ?? null, avatarUrl: event.profile?.avatarUrl ?? null,
    visitorTokenHash: null, openConversationId: null, createdAt: new Date(),
  };
  return (yield* insertOrFind(CustomerEntity, customer, { channelId: channel.id, externalUserId: event.externalUserId })).row;
}

/** The customer, with the name their platform now gives them. */
function* withProfile(customer: Customer, event: Pick<InboundEvent, 'profile'>): Work<Customer> {
  const name = event.profile?.displayName?.slice(0, 200);
  if (name && name !== customer.displayName) {
    yield* update(CustomerEntity, { id: customer.id }, { displayName: name });
    customer.displayName = name;
  }
  return customer;
}

/**
 * The customer's open conversation, or a new one. The customer row points at its open
 * conversation and is set by compare-and-set, so two processes never open two at once.
 */
function* openConversation(channel: Channel, customer: Customer): Work<Conversation> {
  for (let attempt = 0; attempt < 3; attempt++) {
    // The customer row was just read by the caller; only a lost race makes it worth reading again.
    const current = attempt === 0 ? customer : yield* findOne(CustomerEntity, { id: customer.id });
    if (current?.openConversationId) {
      const open = yield* findOne(ConversationEntity, { id: current.openConversationId });
      if (open && open.status !== 'closed') return open;
    }
    // A channel that names no queue sends its conversations to the tenant's first queue.
    const queueId = channel.queueId ?? (yield* findOne(QueueEntity, { tenantId: channel.tenantId }, { createdAt: 'ASC' }))?.id ?? null;
    const now = new Date();
    const conversation: Conversation = {
      id: newId(), tenantId: channel.tenantId, channelId: channel.id, customerId: customer.id,
      status: queueId ? 'queued' : 'bot', queueId, agentId: null, priority: 0,
      createdAt: now, updatedAt: now, closedAt: null, disposition: null, lastMessageAt: null,
      queuedAt: queueId ? now : null, assignedAt: null,
    };
    yield* insert(ConversationEntity, conversation);
    const claimed = yield* update(CustomerEntity, { id: customer.id, openConversationId: current?.openConversationId ?? null }, { openConversationId: conversation.id });
    if (claimed === 1) {
      customer.openConversationId = conversation.id;
      return conversation;
    }
    yield* remove(ConversationEntity, { id: conversation.id }); // lost the race: use the winner's
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
  // Only over a status behind this one, as stored now: a report for the same message handled at
  // the same moment (another webhook, another process) may have moved it further since the read.
  const further = (Object.keys(RANK) as DeliveryStatus[]).filter((s) => RANK[s] >= RANK[status]);
  const moved = await m.update(MessageEntity, { seq: msg.seq, status: Not(In(further)) }, { status, error: error ?? null, updatedAt: new Date() });
  if (moved.affected === 0) return (await m.findOneBy(MessageEntity, { seq: msg.seq })) ?? msg;
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
