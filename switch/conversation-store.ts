// Reading and writing conversations with their customer and channel, scoped to one tenant.
import { In } from 'typeorm';
import type { Context } from '../shared/context.js';
import {
  ChannelEntity, ConversationEntity, CustomerEntity, MessageEntity,
  type Channel, type Conversation, type Customer, type Message,
} from '../shared/db/entities/index.js';
import { notFound } from '../shared/errors.js';
import type { ConversationView, MessageView } from '../shared/types/api.js';
import { toConversationView, toMessageView } from './views.js';

export interface ConversationBundle { conversation: Conversation; customer: Customer; channel: Channel }

export async function loadBundle(ctx: Context, tenantId: string, conversationId: string): Promise<ConversationBundle> {
  const bundle = await findBundle(ctx, tenantId, conversationId);
  if (!bundle) throw notFound(`Conversation ${conversationId}`);
  return bundle;
}

/**
 * The conversation with its customer and channel, or null: one query through Rows, without
 * TypeORM's query path (whose hydration of a join costs more CPU on MariaDB than the round trip).
 */
export async function findBundle(ctx: Context, tenantId: string, conversationId: string): Promise<ConversationBundle | null> {
  const found = await ctx.rows.findOneWith(ConversationEntity, { id: conversationId }, { customerId: CustomerEntity, channelId: ChannelEntity });
  const { customerId: customer, channelId: channel } = found?.with ?? {};
  if (!found || found.row.tenantId !== tenantId || !customer || !channel) return null;
  return { conversation: found.row, customer, channel };
}

export function bundleView(b: ConversationBundle): ConversationView {
  return toConversationView(b.conversation, b.customer, b.channel.platform);
}

/** Views for many conversations with two extra queries, not two per conversation. */
export async function viewsOf(ctx: Context, conversations: Conversation[]): Promise<ConversationView[]> {
  if (!conversations.length) return [];
  const [customers, channels] = await Promise.all([
    ctx.db.manager.findBy(CustomerEntity, { id: In([...new Set(conversations.map((c) => c.customerId))]) }),
    ctx.db.manager.findBy(ChannelEntity, { id: In([...new Set(conversations.map((c) => c.channelId))]) }),
  ]);
  const cust = new Map(customers.map((c) => [c.id, c]));
  const chan = new Map(channels.map((c) => [c.id, c]));
  return conversations.map((c) => toConversationView(c, cust.get(c.customerId)!, chan.get(c.channelId)!.platform));
}

/** The last `limit` messages of a conversation, oldest first. */
export async function recentMessages(ctx: Context, conversationId: string, limit = 50): Promise<MessageView[]> {
  const rows = await ctx.db.manager.find(MessageEntity, { where: { conversationId }, order: { seq: 'DESC' }, take: limit });
  return rows.reverse().map(toMessageView);
}

export async function findMessage(ctx: Context, id: string): Promise<Message | null> {
  return ctx.rows.findOne(MessageEntity, { id });
}
