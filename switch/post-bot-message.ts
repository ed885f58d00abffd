// A message from us (the bot) to the customer: stored first, then sent by the same durable job
// as an agent's reply, so that it reaches every platform the same way and stays in the history.
import type { Context } from '../shared/context.js';
import type { Conversation, Message } from '../shared/db/entities/index.js';
import { newId } from '../shared/ids.js';
import type { MessageView } from '../shared/types/api.js';
import { storeOutbound } from './send-agent-message.js';
import { toMessageView } from './views.js';

export async function postBotMessage(ctx: Context, c: Pick<Conversation, 'id' | 'tenantId' | 'channelId' | 'agentId'>, text: string): Promise<MessageView> {
  const now = new Date();
  const msg: Omit<Message, 'seq'> = {
    id: newId(), tenantId: c.tenantId, conversationId: c.id, channelId: c.channelId,
    direction: 'out', sender: 'bot', agentId: null, type: 'text', text, content: null,
    status: 'pending', error: null, externalMessageId: null, clientMessageId: null, createdAt: now, updatedAt: now,
  };
  await ctx.rows.run(() => storeOutbound(msg));
  await ctx.outbound.send(msg.id);
  const view = toMessageView(msg);
  if (c.agentId) ctx.broadcaster.toAgent(c.agentId, 'message:new', { conversationId: c.id, message: view });
  return view;
}
