// An inbound message's attachments changed (fetched into our store, or given up on): store the
// new media list and tell the agent handling the conversation with `message:updated`.
import type { Context } from '../shared/context.js';
import { ConversationEntity, MessageEntity } from '../shared/db/entities/index.js';
import type { MediaRef } from '../shared/types/message.js';
import { toMessageView } from './views.js';

export async function updateMessageMedia(ctx: Context, messageId: string, media: MediaRef[]): Promise<void> {
  const m = ctx.db.manager;
  const msg = await m.findOneBy(MessageEntity, { id: messageId });
  if (!msg) return;
  msg.content = { ...(msg.content ?? {}), media };
  msg.updatedAt = new Date();
  await m.update(MessageEntity, { seq: msg.seq }, { content: msg.content, updatedAt: msg.updatedAt });
  const c = await m.findOneBy(ConversationEntity, { id: msg.conversationId });
  if (c?.agentId && c.status === 'assigned') {
    ctx.broadcaster.toAgent(c.agentId, 'message:updated', { conversationId: c.id, message: toMessageView(msg) });
  }
}
