// Posts an agent's answer to the api channel's callbackUrl, signed like inbound webhooks, so the
// receiver can check it came from us. A 2xx is delivery; 4xx (but 408/429) is permanent.
import type { Context } from '../../../shared/context.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';
import { platformHttp, sendErrorFrom } from '../../http/platform-http.js';
import { apiSettings } from './config.js';
import { apiSignature } from './inbound.js';
import type { ApiOutbound } from './types.js';

export async function sendApi(_ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  const s = apiSettings(ch);
  const body = JSON.stringify(renderApi(msg));
  try {
    await platformHttp(undefined, s.timeoutMs).post(s.callbackUrl, body, {
      headers: { 'content-type': 'application/json', 'x-signature': apiSignature(s.secret, body) },
    });
  } catch (err) {
    throw sendErrorFrom(err, 'The api channel\'s callback', (_status, data) => ({ reason: typeof data === 'string' ? data.slice(0, 300) : (data as { error?: { message?: string } })?.error?.message }));
  }
  // Our id, which the receiver has in message.id: an id of the receiver's own could collide with
  // the ids it gives its inbound messages, and external ids are unique per channel.
  return { externalMessageId: msg.messageId };
}

export function renderApi(msg: OutboundMessage): ApiOutbound {
  const v = msg.view;
  return {
    channelId: msg.channelId, externalUserId: msg.externalUserId,
    message: {
      id: msg.messageId, type: v.type, ...(v.text !== undefined ? { text: v.text } : {}),
      ...(v.media?.length ? { media: v.media.map((m) => ({ id: m.id, mimeType: m.mimeType, size: m.size, url: m.url })) } : {}),
      ...(v.location ? { location: v.location } : {}),
    },
  };
}
