// LINE webhooks in: X-Line-Signature (base64 HMAC-SHA256 of the raw body with the channel
// secret), then every event of the batch, in order, as internal events.
import { AppError } from '../../../shared/errors.js';
import type { InboundEvent, MessageContent } from '../../../shared/types/message.js';
import type { ChannelRuntime, WebhookRequest } from '../../adapter.js';
import { headerValue, hmac } from '../../verify/hmac.js';
import { safeEqual } from '../../verify/safe-equal.js';
import { parseJsonBody } from '../../webhook-body/parse-json.js';
import { lineSettings } from './config.js';
import { lineWebhookBody, type LineEvent, type LineMessage } from './types.js';

export function verifyLine(req: WebhookRequest, ch: ChannelRuntime): void {
  const given = headerValue(req.headers, 'x-line-signature');
  const expected = hmac('sha256', lineSettings(ch).channelSecret, req.rawBody, 'base64');
  if (!given || !safeEqual(given, expected)) throw new AppError('bad_signature', 'The X-Line-Signature header is missing or does not match this channel\'s secret.');
}

export function parseLine(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[] {
  // LINE's console "Verify" button sends a signed body with no events: it parses to nothing.
  const body = parseJsonBody(req, lineWebhookBody, 'A LINE webhook');
  return body.events.map((e) => toInbound(e, ch));
}

function toInbound(e: LineEvent, ch: ChannelRuntime): InboundEvent {
  // Spread last in each event, never first (see WebhookHandler.parse in adapter.ts).
  const base = {
    channelId: ch.channel.id, platform: 'line' as const, externalUserId: chatOf(e),
    occurredAt: new Date(e.timestamp),
  };
  if (e.type === 'message') {
    if (!e.message) throw new AppError('validation_failed', `LINE event ${e.webhookEventId} is a message event without a message.`);
    // The message id, not the event id: it is what quotes and content downloads refer to.
    return { kind: 'message', externalMessageId: e.message.id, message: messageContent(e.message), ...base };
  }
  if (e.type === 'postback' && e.postback) {
    // A tap on one of our buttons is the customer's answer: stored as a message the agent sees.
    return { kind: 'message', externalMessageId: e.webhookEventId, message: { type: 'interactive', text: e.postback.data, payload: e.postback.data }, ...base };
  }
  const payload = e.unsend?.messageId ?? (e.follow ? JSON.stringify(e.follow) : undefined);
  return { kind: 'event', externalMessageId: e.webhookEventId, event: { name: e.type, ...(payload ? { payload } : {}) }, ...base };
}

/** Who we answer: the user in a one-to-one chat, else the group or room (push accepts all three). */
function chatOf(e: LineEvent): string {
  const s = e.source;
  const id = s?.type === 'group' ? s.groupId : s?.type === 'room' ? s.roomId : s?.userId;
  if (!id) throw new AppError('validation_failed', `LINE event ${e.webhookEventId} has no source user, group or room.`);
  return id;
}

function messageContent(m: LineMessage): MessageContent {
  const quoted = m.quotedMessageId ? { replyToExternalId: m.quotedMessageId } : {};
  const media = (mimeType?: string) => [{
    platformRef: m.id, ...(mimeType ? { mimeType } : {}),
    ...(m.fileName ? { fileName: m.fileName } : {}), ...(m.fileSize !== undefined ? { size: m.fileSize } : {}),
    // Content a LINE app sent from an external provider is not on LINE's servers: keep its URL.
    ...(m.contentProvider?.type === 'external' && m.contentProvider.originalContentUrl ? { url: m.contentProvider.originalContentUrl } : {}),
  }];
  switch (m.type) {
    case 'text': return { type: 'text', text: m.text ?? '', ...quoted };
    case 'image': return { type: 'image', media: media('image/jpeg'), ...quoted };
    case 'video': return { type: 'video', media: media('video/mp4'), ...quoted };
    case 'audio': return { type: 'audio', media: media('audio/m4a') };
    case 'file': return { type: 'file', media: media() };
    case 'location':
      if (typeof m.latitude !== 'number' || typeof m.longitude !== 'number') throw new AppError('validation_failed', `LINE location message ${m.id} has no coordinates.`);
      return {
        type: 'location', text: [m.title, m.address].filter(Boolean).join('\n') || undefined,
        location: { latitude: m.latitude, longitude: m.longitude, ...(m.title ? { name: m.title } : {}), ...(m.address ? { address: m.address } : {}) },
      };
    case 'sticker': {
      // The sticker's own text (message stickers) or its keywords tell the agent what it says.
      const text = m.text ?? (m.keywords?.length ? m.keywords.slice(0, 3).join(', ') : undefined);
      return { type: 'sticker', payload: `${m.packageId ?? ''}/${m.stickerId ?? ''}`, ...(text ? { text } : {}), ...quoted };
    }
    default:
      // A type newer than this adapter: kept, in text form, so that it is never dropped silently.
      return { type: 'text', text: `[LINE ${m.type} message]`, payload: m.type };
  }
}
