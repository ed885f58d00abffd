// Messenger page webhooks in: X-Hub-Signature-256 with the app secret first, then every entry
// and messaging event, in order. Customer messages are keyed on their mid; our own sends come
// back as echoes and are not customer messages; delivery and read reports carry a watermark
// (every message before it) and move our replies on.
import { AppError } from '../../../shared/errors.js';
import type { InboundEvent, MediaRef, MessageContent } from '../../../shared/types/message.js';
import type { ChannelRuntime, WebhookReply, WebhookRequest } from '../../adapter.js';
import { metaHandshake, verifyMetaSignature } from '../../verify/meta.js';
import { parseJsonBody } from '../../webhook-body/parse-json.js';
import { messengerSettings } from './config.js';
import { messengerWebhookBody, type MessengerAttachment, type MessengerEntry, type MessengerEvent } from './types.js';

export function verifyMessenger(req: WebhookRequest, ch: ChannelRuntime): void {
  verifyMetaSignature(req, messengerSettings(ch).appSecret);
}

export function messengerHandshake(req: WebhookRequest, ch: ChannelRuntime): WebhookReply {
  return metaHandshake(req, messengerSettings(ch).verifyToken);
}

export function parseMessenger(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[] {
  const body = parseJsonBody(req, messengerWebhookBody, 'A Messenger webhook');
  if (body.object !== 'page') throw new AppError('validation_failed', `A Messenger webhook's object is "page", not "${body.object}".`);
  const pageId = messengerSettings(ch).pageId;
  // Spread last in each event, never first (see WebhookHandler.parse in adapter.ts).
  const base = { channelId: ch.channel.id, platform: 'messenger' as const };
  const events: InboundEvent[] = [];
  for (const entry of body.entry) {
    if (entry.id !== pageId) {
      // Another page of the same app: each page's channel has its own webhook.
      events.push({ kind: 'event', externalUserId: entry.id, externalMessageId: `other:${entry.id}`, occurredAt: new Date(), event: { name: 'other-page', payload: entry.id }, ...base });
      continue;
    }
    for (const e of entry.messaging ?? []) events.push(...toInbound(e, ch));
    for (const e of entry.standby ?? []) events.push(standbyEvent(e, entry.id, ch));
  }
  return events;
}

/** An event of a thread another app of the page controls (handover protocol): passed on, not ours to answer. */
function standbyEvent(e: NonNullable<MessengerEntry['standby']>[number], pageId: string, ch: ChannelRuntime): InboundEvent {
  const customer = e.message?.is_echo ? e.recipient?.id : e.sender?.id;
  const key = e.message?.mid ?? `${customer ?? pageId}:${e.timestamp ?? 0}:${eventName(e)}`;
  return {
    channelId: ch.channel.id, platform: 'messenger', kind: 'event', externalUserId: customer ?? pageId, externalMessageId: `standby:${key}`,
    occurredAt: e.timestamp ? new Date(e.timestamp) : new Date(), event: { name: 'standby', payload: eventName(e) },
  };
}

const ENVELOPE = new Set(['sender', 'recipient', 'timestamp']);
/** What a messaging event is about: its one field besides sender, recipient and timestamp ("message", "pass_thread_control"...). */
function eventName(e: object): string {
  return Object.keys(e).find((k) => !ENVELOPE.has(k)) ?? 'unknown';
}

function toInbound(e: MessengerEvent, ch: ChannelRuntime): InboundEvent[] {
  const at = new Date(e.timestamp);
  const customer = e.message?.is_echo ? e.recipient.id : e.sender.id;
  const base = { channelId: ch.channel.id, platform: 'messenger' as const, externalUserId: customer, occurredAt: at };
  if (e.message?.is_echo) {
    // What our page sent (from us, or from the Page inbox by a person): not the customer's words.
    return [{ kind: 'event', externalMessageId: `echo:${e.message.mid}`, event: { name: 'echo', payload: e.message.mid }, ...base }];
  }
  if (e.message?.is_deleted) {
    // The customer unsent a message (Meta's messaging webhooks mark it `is_deleted`).
    return [{ kind: 'event', externalMessageId: `unsent:${e.message.mid}`, event: { name: 'unsent', payload: e.message.mid }, ...base }];
  }
  if (e.message) {
    return [{ kind: 'message', externalMessageId: e.message.mid, message: messageContent(e.message), ...base }];
  }
  if (e.postback) {
    // A tap on one of our buttons (or "Get Started"): the customer's answer.
    const p = e.postback;
    return [{ kind: 'message', externalMessageId: p.mid ?? `postback:${e.sender.id}:${e.timestamp}`, message: { type: 'interactive', text: p.title ?? p.payload ?? '', payload: p.payload ?? '' }, ...base }];
  }
  if (e.delivery) {
    const mids = e.delivery.mids ?? [];
    if (mids.length) return mids.map((mid) => ({ kind: 'status' as const, externalMessageId: `${mid}:delivered`, status: { externalMessageId: mid, status: 'delivered' as const }, ...base }));
    return [{ kind: 'status', externalMessageId: `delivered:${e.sender.id}:${e.delivery.watermark}`, status: { externalMessageId: '', status: 'delivered', watermark: new Date(e.delivery.watermark) }, ...base }];
  }
  if (e.read) {
    return [{ kind: 'status', externalMessageId: `read:${e.sender.id}:${e.read.watermark}`, status: { externalMessageId: '', status: 'read', watermark: new Date(e.read.watermark) }, ...base }];
  }
  if (e.reaction) {
    const r = e.reaction;
    const text = r.action === 'unreact' ? 'Removed a reaction' : `Reacted ${r.emoji ?? r.reaction ?? ''}`.trim();
    return [{ kind: 'message', externalMessageId: `reaction:${r.mid}:${e.sender.id}:${e.timestamp}`, message: { type: 'text', text, payload: 'reaction', replyToExternalId: r.mid }, ...base }];
  }
  if (e.message_edit) {
    return [{ kind: 'event', externalMessageId: `edit:${e.message_edit.mid}:${e.message_edit.num_edit ?? e.timestamp}`, event: { name: 'edited', payload: e.message_edit.text ?? '' }, ...base }];
  }
  // Referrals, opt-ins, and anything else a page can subscribe to (handover, account linking...) by its field name.
  const name = e.referral ? 'referral' : e.optin ? 'optin' : eventName(e);
  const payload = e.referral?.ref ?? e.optin?.ref;
  return [{ kind: 'event', externalMessageId: `${name}:${e.sender.id}:${e.timestamp}`, event: { name, ...(payload ? { payload } : {}) }, ...base }];
}

const MEDIA: Record<string, { type: MessageContent['type']; mimeType?: string }> = {
  image: { type: 'image' }, audio: { type: 'audio' }, video: { type: 'video' }, file: { type: 'file' },
};

function messageContent(m: NonNullable<MessengerEvent['message']>): MessageContent {
  const reply = m.reply_to ? { replyToExternalId: m.reply_to.mid } : {};
  if (m.quick_reply) return { type: 'interactive', text: m.text ?? m.quick_reply.payload, payload: m.quick_reply.payload, ...reply };
  const atts = m.attachments ?? [];
  const text = m.text ? { text: m.text } : {};
  if (!atts.length) return { type: 'text', text: m.text || '[An empty Messenger message]', ...reply };
  const first = atts[0];
  if (first.type === 'location' && first.payload?.coordinates) {
    const c = first.payload.coordinates;
    return { type: 'location', location: { latitude: c.lat, longitude: c.long, ...(first.title ?? first.payload.title ? { name: first.title ?? first.payload.title } : {}) } };
  }
  const sticker = m.sticker_id ?? atts.map((a) => a.sticker_id ?? a.payload?.sticker_id).find((id) => id !== undefined);
  if (sticker !== undefined || atts.some((a) => a.type === 'sticker')) {
    // The thumbs-up and other stickers: an image with a sticker id, and (since 2026) a `sticker`
    // attachment beside it or instead of it. One sticker, one picture.
    const pic = atts.find((a) => a.type === 'image' && a.payload?.url) ?? atts.find((a) => a.payload?.url);
    return { type: 'sticker', ...(sticker !== undefined ? { payload: String(sticker) } : {}), media: pic ? refs([pic]) : [], ...reply };
  }
  const kind = MEDIA[first.type];
  if (kind && atts.every((a) => a.type === first.type)) return { type: kind.type, media: refs(atts), ...text, ...reply };
  if (atts.every((a) => MEDIA[a.type])) return { type: 'file', media: refs(atts), ...text, ...reply };
  // A shared link ("fallback"), a template, a product: its title and link in text form.
  const lines = atts.map((a) => [a.title ?? a.payload?.title, a.url ?? a.payload?.url].filter(Boolean).join('\n') || `[Messenger ${a.type}]`);
  return { type: 'text', text: [m.text, ...lines].filter(Boolean).join('\n'), payload: atts.map((a) => a.type).join(','), ...reply };
}

/** Messenger attachments come with a CDN URL that our media server fetches (it expires after a while). */
function refs(atts: MessengerAttachment[]): MediaRef[] {
  return atts.filter((a) => a.payload?.url).map((a) => ({ url: a.payload!.url! }));
}
