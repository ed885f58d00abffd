// Sends to a web-chat customer: an event to their browser's room, wherever it is connected.
import type { Context } from '../../../shared/context.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';

export async function sendWebchat(ctx: Context, _ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  ctx.broadcaster.toCustomer(msg.customerId, 'message:new', { message: { ...msg.view, status: 'sent' } });
  return { externalMessageId: msg.messageId };
}
