// Reading conversations and their messages, with the access rules of DESIGN.md applied.
import { Brackets, In, MoreThan } from 'typeorm';
import type { Principal } from '../shared/auth/tokens.js';
import { hasRole } from '../shared/auth/tokens.js';
import type { Context } from '../shared/context.js';
import { ConversationEntity, MessageEntity, QueueMemberEntity } from '../shared/db/entities/index.js';
import { AppError, notFound } from '../shared/errors.js';
import type { ConversationStatus, ConversationView, MessageView } from '../shared/types/api.js';
import { canRead } from './access.js';
import { bundleView, loadBundle, viewsOf } from './conversation-store.js';
import { toMessageView } from './views.js';

async function queuesOf(ctx: Context, p: Principal): Promise<string[]> {
  return (await ctx.db.manager.findBy(QueueMemberEntity, { userId: p.userId })).map((m) => m.queueId);
}

async function readable(ctx: Context, p: Principal, conversationId: string) {
  const bundle = await loadBundle(ctx, p.tenantId, conversationId);
  if (!canRead(p, bundle.conversation, hasRole(p, 'supervisor') ? [] : await queuesOf(ctx, p))) throw notFound(`Conversation ${conversationId}`);
  return bundle;
}

export async function getConversation(ctx: Context, p: Principal, conversationId: string): Promise<ConversationView> {
  return bundleView(await readable(ctx, p, conversationId));
}

export interface ListFilter { status?: ConversationStatus; queueId?: string; agentId?: string; q?: string; cursor?: string; limit?: number }

/** Newest activity first; the cursor is opaque to clients. */
export async function listConversations(ctx: Context, p: Principal, f: ListFilter): Promise<{ items: ConversationView[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
  const qb = ctx.db.manager.createQueryBuilder(ConversationEntity, 'c').where('c.tenant_id = :t', { t: p.tenantId });
  if (f.status) qb.andWhere('c.status = :s', { s: f.status });
  if (f.queueId) qb.andWhere('c.queue_id = :q', { q: f.queueId });
  if (f.agentId) qb.andWhere('c.agent_id = :a', { a: f.agentId });
  if (!hasRole(p, 'supervisor')) {
    const queues = await queuesOf(ctx, p);
    qb.andWhere(new Brackets((w) => {
      w.where('c.agent_id = :me', { me: p.userId });
      if (queues.length) w.orWhere("(c.status = 'queued' AND c.queue_id IN (:...mq))", { mq: queues });
    }));
  }
  if (f.q) {
    qb.andWhere('c.customer_id IN (SELECT cu.id FROM customers cu WHERE cu.tenant_id = :t AND (cu.display_name LIKE :like OR cu.external_user_id LIKE :like))', { like: likePattern(f.q) });
  }
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    qb.andWhere(new Brackets((w) => { w.where('c.updated_at < :at', { at }).orWhere('(c.updated_at = :at AND c.id < :id)', { at, id }); }));
  }
  const rows = await qb.orderBy('c.updated_at', 'DESC').addOrderBy('c.id', 'DESC').take(limit + 1).getMany();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: await viewsOf(ctx, page), nextCursor: rows.length > limit && last ? encodeCursor(last.updatedAt, last.id) : null };
}

/** Messages oldest first, after a given message when asked (a client catching up). */
export async function listMessages(ctx: Context, p: Principal, conversationId: string, after?: string, limit = 100): Promise<MessageView[]> {
  await readable(ctx, p, conversationId);
  let afterSeq = 0;
  if (after) {
    const a = await ctx.db.manager.findOneBy(MessageEntity, { id: after, conversationId });
    if (!a) throw new AppError('bad_request', `after=${after} is not a message of this conversation.`);
    afterSeq = a.seq;
  }
  const rows = await ctx.db.manager.find(MessageEntity, {
    where: { conversationId, seq: MoreThan(afterSeq) }, order: { seq: 'ASC' }, take: Math.min(Math.max(limit, 1), 500),
  });
  return rows.map(toMessageView);
}

/** Everything an agent missed while away: their open conversations and the messages after the last one they saw. */
export async function syncAgent(ctx: Context, p: Principal, afterMessageId?: string): Promise<{ conversations: ConversationView[]; messages: MessageView[] }> {
  const convs = await ctx.db.manager.find(ConversationEntity, { where: { tenantId: p.tenantId, agentId: p.userId, status: 'assigned' }, order: { updatedAt: 'DESC' }, take: 200 });
  let afterSeq = 0;
  if (afterMessageId) {
    const a = await ctx.db.manager.findOneBy(MessageEntity, { id: afterMessageId, tenantId: p.tenantId });
    if (!a) throw new AppError('bad_request', `afterMessageId ${afterMessageId} is not a message we know; sync without it for a full refresh.`);
    afterSeq = a.seq;
  }
  const messages = convs.length
    ? await ctx.db.manager.find(MessageEntity, { where: { conversationId: In(convs.map((c) => c.id)), seq: MoreThan(afterSeq) }, order: { seq: 'ASC' }, take: 2000 })
    : [];
  return { conversations: await viewsOf(ctx, convs), messages: messages.map(toMessageView) };
}

export async function searchMessages(ctx: Context, p: Principal, q: string): Promise<(MessageView & { conversationId: string })[]> {
  const qb = ctx.db.manager.createQueryBuilder(MessageEntity, 'm')
    .where('m.tenant_id = :t', { t: p.tenantId }).andWhere('m.text LIKE :like', { like: likePattern(q) });
  if (!hasRole(p, 'supervisor')) {
    qb.andWhere('m.conversation_id IN (SELECT c.id FROM conversations c WHERE c.agent_id = :me)', { me: p.userId });
  }
  const rows = await qb.orderBy('m.seq', 'DESC').take(100).getMany();
  return rows.map(toMessageView);
}

function likePattern(q: string): string { return `%${q.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`; }
function encodeCursor(at: Date, id: string): string { return Buffer.from(`${new Date(at).toISOString()}|${id}`).toString('base64url'); }
function decodeCursor(cursor: string): [Date, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const d = new Date(at);
  if (!id || Number.isNaN(d.getTime())) throw new AppError('bad_request', 'The cursor is not one we gave; start again without it.');
  return [d, id];
}
