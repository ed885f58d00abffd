// The /customer socket namespace: the web widget's side of the web chat channel. A visitor
// connects with the channel id (and the token it kept, to resume), sends messages that the
// switch stores like any platform's, and receives agents' replies in its room.
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Context } from '../../../shared/context.js';
import { ConversationEntity, CustomerEntity, MessageEntity } from '../../../shared/db/entities/index.js';
import { AppError } from '../../../shared/errors.js';
import { guarded, rateLimiter } from '../../../shared/realtime/socket-guard.js';
import { rooms, type CustomerClientEvents, type CustomerServerEvents } from '../../../shared/types/socket-events.js';
import { MoreThan } from 'typeorm';
import { findOrCreateCustomer, receiveInbound, toMessageView } from '../../../switch/index.js';
import { attachmentFor, customerMessageView } from '../../../media-server/index.js';
import { channelRuntime } from '../../channels.js';
import { issueVisitorToken, readVisitorToken } from './visitor-token.js';

interface VisitorData { channelId: string; visitorId: string; customerId?: string }
type CustomerSocket = Socket<CustomerClientEvents, CustomerServerEvents, Record<string, never>, VisitorData>;

export function mountCustomerNamespace(ctx: Context, io: Server): Namespace {
  const nsp = io.of('/customer') as unknown as Namespace<CustomerClientEvents, CustomerServerEvents, Record<string, never>, VisitorData>;
  const tokenKey = ctx.secrets.derive('visitor-token');
  const sendSchema = z.object({
    text: z.string().trim().min(1).max(ctx.config.limits.messageChars, `at most ${ctx.config.limits.messageChars} characters`).optional(),
    mediaId: z.string().max(36).optional(),
    clientMessageId: z.string().min(1).max(100),
  }).refine((v) => v.text !== undefined || v.mediaId !== undefined, { message: 'give text or mediaId' });

  nsp.use(async (socket, next) => {
    try {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const channelId = typeof auth.channelId === 'string' ? auth.channelId : '';
      const rt = await channelRuntime(ctx, channelId);
      if (!rt || rt.channel.platform !== 'webchat') throw new AppError('not_found', 'This chat is not available: the channel id is unknown.');
      const allowed = rt.config.allowedOrigins as string[] | undefined;
      const origin = socket.handshake.headers.origin;
      if (allowed?.length && !allowed.includes('*') && !(origin && allowed.includes(origin))) throw new AppError('forbidden', 'This site may not embed this chat.');
      let visitorId = readVisitorToken(tokenKey, channelId, auth.visitorToken);
      let token = typeof auth.visitorToken === 'string' ? auth.visitorToken : '';
      if (!visitorId) ({ visitorId, token } = issueVisitorToken(tokenKey, channelId));
      socket.data = { channelId, visitorId };
      const customer = await ctx.db.manager.findOneBy(CustomerEntity, { channelId, externalUserId: visitorId });
      if (customer) socket.data.customerId = customer.id;
      (socket as unknown as { visitorToken: string }).visitorToken = token;
      next();
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('internal', 'The chat could not start; try again.');
      next(Object.assign(new Error(e.message), { data: { code: e.code, message: e.message } }));
    }
  });

  nsp.on('connection', (socket: CustomerSocket) => {
    const limit = rateLimiter(20, 10_000);
    const joinRoom = (customerId: string) => { socket.data.customerId = customerId; void socket.join(rooms.customer(customerId)); };
    if (socket.data.customerId) joinRoom(socket.data.customerId);
    void (async () => {
      const c = socket.data.customerId ? await ctx.db.manager.findOneBy(CustomerEntity, { id: socket.data.customerId }) : null;
      socket.emit('session', { visitorToken: (socket as unknown as { visitorToken: string }).visitorToken, conversationId: c?.openConversationId ?? null });
    })().catch((err) => ctx.logger.error({ err }, 'web chat session failed'));

    socket.on('message:send', guarded(ctx.logger, 'message:send', sendSchema, async (input) => {
      limit();
      const rt = await channelRuntime(ctx, socket.data.channelId);
      if (!rt) throw new AppError('not_found', 'This chat channel was removed.');
      // An upload of this chat (POST /webchat/:channelId/media): a stored file of the channel's tenant.
      const attachment = input.mediaId ? await attachmentFor(ctx, rt.channel.tenantId, input.mediaId) : null;
      const customer = await findOrCreateCustomer(ctx, rt.channel, { externalUserId: socket.data.visitorId });
      if (!socket.data.customerId) joinRoom(customer.id);
      const [stored] = await receiveInbound(ctx, rt.channel, [{
        kind: 'message', channelId: rt.channel.id, platform: 'webchat', externalUserId: socket.data.visitorId,
        externalMessageId: `${customer.id}:${input.clientMessageId}`, clientMessageId: input.clientMessageId, occurredAt: new Date(),
        message: attachment ? { type: attachment.type, text: input.text, media: [attachment.ref] } : { type: 'text', text: input.text },
      }]);
      return { message: customerMessageView(ctx, toMessageView(stored.message!)) };
    }));

    socket.on('history', guarded(ctx.logger, 'history', z.object({ afterMessageId: z.string().max(36).optional() }).default({}), async (input) => {
      const customer = socket.data.customerId ? await ctx.db.manager.findOneBy(CustomerEntity, { id: socket.data.customerId }) : null;
      if (!customer) return { messages: [] };
      // The open conversation, or else the last one (closed): a returning visitor still sees how it ended.
      const conversationId = customer.openConversationId
        ?? (await ctx.db.manager.findOne(ConversationEntity, { where: { customerId: customer.id }, order: { createdAt: 'DESC' } }))?.id;
      if (!conversationId) return { messages: [] };
      let afterSeq = 0;
      if (input.afterMessageId) afterSeq = (await ctx.db.manager.findOneBy(MessageEntity, { id: input.afterMessageId, conversationId }))?.seq ?? 0;
      const rows = await ctx.db.manager.find(MessageEntity, { where: { conversationId, seq: MoreThan(afterSeq) }, order: { seq: 'ASC' }, take: 500 });
      return { messages: rows.map((r) => customerMessageView(ctx, toMessageView(r))) };
    }));

    let lastTyping = 0;
    socket.on('typing', () => {
      if (!socket.data.customerId || Date.now() - lastTyping < 2000) return;
      lastTyping = Date.now();
      void forwardTyping(ctx, socket.data.customerId).catch(() => {});
    });
  });
  return nsp;
}

/** The customer is typing: tell the agent of their open conversation, if any. */
async function forwardTyping(ctx: Context, customerId: string): Promise<void> {
  const customer = await ctx.db.manager.findOneBy(CustomerEntity, { id: customerId });
  if (!customer?.openConversationId) return;
  const c = await ctx.db.manager.findOneBy(ConversationEntity, { id: customer.openConversationId });
  if (c?.agentId && c.status === 'assigned') ctx.broadcaster.toAgent(c.agentId, 'typing', { conversationId: c.id });
}
