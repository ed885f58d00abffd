// An agent's reply (DESIGN.md durability rule 4): stored first as 'pending', then sent: at once
// where the gateway runs, else by its durable job (shared/jobs/outbound-send.ts). The same
// clientMessageId twice is the same message, stored and sent once.
import type { Principal } from '../shared/auth/tokens.js';
import type { Context } from '../shared/context.js';
import { ConversationEntity, MessageEntity, type Message } from '../shared/db/entities/index.js';
import { insertOrFind, update, type Work } from '../shared/db/work.js';
import { newId } from '../shared/ids.js';
import type { MessageView } from '../shared/types/api.js';
import { templateText, type TemplateRef } from '../shared/types/message.js';
import { noTemplatesOn } from '../shared/errors.js';
import { attachmentFor } from '../media-server/index.js';
import { assertCanWrite } from './access.js';
import { loadBundle } from './conversation-store.js';
import { toMessageView } from './views.js';

export interface AgentMessageInput { conversationId: string; text?: string; mediaId?: string; template?: TemplateRef; clientMessageId: string }

export async function sendAgentMessage(ctx: Context, p: Principal, input: AgentMessageInput): Promise<MessageView> {
  const { conversation: c, channel, customer } = await loadBundle(ctx, p.tenantId, input.conversationId);
  let attachment: Awaited<ReturnType<typeof attachmentFor>> | null;
  try {
    assertCanWrite(p, c);
    if (input.template && channel.platform !== 'whatsapp') throw noTemplatesOn(channel.platform);
    // The file must be one of this tenant's uploads (404 otherwise); its type makes the message's.
    attachment = input.mediaId ? await attachmentFor(ctx, p.tenantId, input.mediaId) : null;
  } catch (err) {
    // A resend of a message already stored is answered with it, even if it could not be sent now
    // (the conversation was transferred since, the file deleted).
    const earlier = await ctx.rows.findOne(MessageEntity, { conversationId: c.id, clientMessageId: input.clientMessageId });
    if (earlier) return resent(ctx, earlier);
    throw err;
  }
  const now = new Date();
  const msg: Omit<Message, 'seq'> = {
    id: newId(), tenantId: c.tenantId, conversationId: c.id, channelId: c.channelId,
    direction: 'out', sender: 'agent', agentId: p.userId, type: attachment?.type ?? 'text',
    text: input.template ? templateText(input.template) : input.text ?? null,
    content: attachment ? { media: [attachment.ref] } : input.template ? { template: input.template } : null,
    status: 'pending', error: null, externalMessageId: null, clientMessageId: input.clientMessageId, createdAt: now, updatedAt: now,
  };
  // Claimed for its send at once before it exists, so that nothing else can send it in between
  // and that send need not read it back (shared/jobs/outbound-send.ts).
  const claim = await ctx.outbound.claim(msg.id);
  let earlier: Message | null;
  try {
    // A resend (the same clientMessageId) finds the stored message here instead of storing a second.
    earlier = await ctx.rows.run(() => storeOutbound(msg));
  } catch (err) {
    await claim?.giveBack();
    throw err;
  }
  if (earlier) {
    await claim?.giveBack();
    return resent(ctx, earlier);
  }
  const view = toMessageView(msg);
  // Told before the send begins, so that the agent's screens never see a status for a message they do not have yet.
  if (c.agentId) ctx.broadcaster.toAgent(c.agentId, 'message:new', { conversationId: c.id, message: view });
  // Handed what a first send needs: neither its status nor its recipient is read back.
  await ctx.outbound.send(msg.id, { message: msg, agentId: c.agentId, customerId: customer.id, externalUserId: customer.externalUserId }, claim);
  return view;
}

/**
 * A resend of a stored reply. If that reply is still pending, its send may never have begun
 * (Redis refused its job after the reply was stored): queue its job. The same job id makes this a
 * no-op when the job exists, and a job waits while the reply is being sent at once; the job
 * carries no copy of the message, so it reads what is stored, sent marker included, like a retry.
 */
async function resent(ctx: Context, earlier: Message): Promise<MessageView> {
  if (earlier.status === 'pending') await ctx.outbound.send(earlier.id);
  return toMessageView(earlier);
}

/** Stores the reply and touches its conversation, as one unit; a resent one (same clientMessageId) gives back the stored one instead. */
export function* storeOutbound(msg: Omit<Message, 'seq'>): Work<Message | null> {
  // seq is given by the database on insert
  const stored = yield* insertOrFind(MessageEntity, msg as Message, { conversationId: msg.conversationId, clientMessageId: msg.clientMessageId });
  if (!stored.inserted) return stored.row;
  yield* update(ConversationEntity, { id: msg.conversationId }, { lastMessageAt: msg.createdAt, updatedAt: msg.createdAt });
  return null;
}
