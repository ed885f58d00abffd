// WhatsApp Cloud API notifications in: X-Hub-Signature-256 with the app secret first, then every
// entry and change of the body, in order. Messages become internal messages keyed on their wamid;
// statuses (sent, delivered, read, played, failed) move our replies on; system messages, errors,
// account changes and other numbers' notifications are passed on as events.
import { AppError } from '../../../shared/errors.js';
import type { DeliveryStatus, InboundEvent, MessageContent } from '../../../shared/types/message.js';
import type { ChannelRuntime, WebhookReply, WebhookRequest } from '../../adapter.js';
import { metaHandshake, verifyMetaSignature } from '../../verify/meta.js';
import { parseJsonBody } from '../../webhook-body/parse-json.js';
import { whatsappSettings } from './config.js';
import { describeWhatsappError } from './error-codes.js';
import { whatsappValue, whatsappWebhookBody, type WhatsappMessage, type WhatsappNotificationError, type WhatsappStatus, type WhatsappValue } from './types.js';

export function verifyWhatsapp(req: WebhookRequest, ch: ChannelRuntime): void {
  verifyMetaSignature(req, whatsappSettings(ch).appSecret);
}

export function whatsappHandshake(req: WebhookRequest, ch: ChannelRuntime): WebhookReply {
  return metaHandshake(req, whatsappSettings(ch).verifyToken);
}

/** A voice note "played" implies it was read: it moves our reply as far as read. */
const STATUSES: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', played: 'read', failed: 'failed' };

export function parseWhatsapp(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[] {
  const body = parseJsonBody(req, whatsappWebhookBody, 'A WhatsApp webhook');
  if (body.object !== 'whatsapp_business_account') throw new AppError('validation_failed', `A WhatsApp webhook's object is "whatsapp_business_account", not "${body.object}".`);
  const own = whatsappSettings(ch).phoneNumberId;
  const events: InboundEvent[] = [];
  const channelId = ch.channel.id;
  const platform = 'whatsapp';
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') {
        // Template reviews, quality ratings, account updates...: about the account, not a customer.
        events.push({ channelId, platform, kind: 'event', externalUserId: entry.id, externalMessageId: `${entry.id}:${change.field}`, occurredAt: new Date(), event: { name: change.field } });
        continue;
      }
      const parsed = whatsappValue.safeParse(change.value);
      if (!parsed.success) {
        throw new AppError('validation_failed', `A WhatsApp "messages" change does not have the documented shape: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}.`);
      }
      const v = parsed.data;
      if (v.metadata.phone_number_id !== own) {
        // Another number of the same Meta app (an app-level callback URL gets every number's
        // notifications). Stored here, its customers would land in this channel and be answered
        // from the wrong number; refused, Meta would redeliver it for days. So it is acknowledged
        // and passed on as one event, and each number should get its own channel and override URL.
        const n = (v.messages?.length ?? 0) + (v.statuses?.length ?? 0);
        events.push({ channelId, platform, kind: 'event', externalUserId: v.metadata.phone_number_id, externalMessageId: `${entry.id}:other:${v.metadata.phone_number_id}`, occurredAt: new Date(), event: { name: 'other-phone-number', payload: `${v.metadata.phone_number_id}: ${n} message(s) or status(es) not for this channel` } });
        continue;
      }
      for (const m of v.messages ?? []) events.push(messageEvent(m, v, ch));
      for (const s of v.statuses ?? []) events.push(statusEvent(s, ch));
      // System-level errors (throughput reached, an app or account problem): about no one message.
      for (const e of v.errors ?? []) {
        events.push({ channelId, platform, kind: 'event', externalUserId: own, externalMessageId: `${entry.id}:error:${e.code ?? ''}`, occurredAt: new Date(), event: { name: `error:${e.code ?? 'unknown'}`, payload: describeWhatsappError(errorParts(e)) } });
      }
    }
  }
  return events;
}

function messageEvent(m: WhatsappMessage, v: WhatsappValue, ch: ChannelRuntime): InboundEvent {
  const name = v.contacts?.find((c) => c.wa_id === m.from)?.profile?.name;
  const at = new Date(Number(m.timestamp) * 1000);
  // Written out whole, not as `{ ...base, kind }` (see WebhookHandler.parse in adapter.ts).
  const channelId = ch.channel.id;
  if (m.type === 'system') {
    // "The customer changed their number" and the like: about the customer, not from them.
    return {
      channelId, platform: 'whatsapp', kind: 'event', externalUserId: m.from, externalMessageId: m.id, occurredAt: at,
      event: { name: `system:${m.system?.type ?? 'unknown'}`, ...(m.system?.body ? { payload: m.system.body } : {}) },
    };
  }
  return {
    channelId, platform: 'whatsapp', kind: 'message', externalUserId: m.from, externalMessageId: m.id, occurredAt: at,
    message: messageContent(m), ...(name ? { profile: { displayName: name } } : {}),
  };
}

function statusEvent(s: WhatsappStatus, ch: ChannelRuntime): InboundEvent {
  const channelId = ch.channel.id;
  const externalUserId = s.recipient_id ?? '';
  const externalMessageId = `${s.id}:${s.status}`;
  const occurredAt = new Date(Number(s.timestamp) * 1000);
  const status = STATUSES[s.status];
  if (!status) return { channelId, platform: 'whatsapp', kind: 'event', externalUserId, externalMessageId, occurredAt, event: { name: `status:${s.status}`, payload: s.id } };
  const e = s.errors?.[0];
  const error = e ? `WhatsApp: ${describeWhatsappError(errorParts(e))}` : status === 'failed' ? 'WhatsApp reported the message as failed, without a reason.' : undefined;
  return { channelId, platform: 'whatsapp', kind: 'status', externalUserId, externalMessageId, occurredAt, status: { externalMessageId: s.id, status, ...(error ? { error } : {}) } };
}

const errorParts = (e: WhatsappNotificationError) => ({ code: e.code, title: e.title ?? e.message, details: e.error_data?.details });

function messageContent(m: WhatsappMessage): MessageContent {
  const reply = m.context?.id ? { replyToExternalId: m.context.id } : {};
  const ref = (x: { id: string; mime_type?: string; caption?: string }, more: Record<string, unknown> = {}) => [{
    platformRef: x.id, ...(x.mime_type ? { mimeType: x.mime_type.split(';')[0].trim() } : {}), ...(x.caption ? { caption: x.caption } : {}), ...more,
  }];
  switch (m.type) {
    case 'text': return { type: 'text', text: m.text?.body ?? '', ...reply };
    case 'image': if (m.image) return { type: 'image', media: ref(m.image), ...(m.image.caption ? { text: m.image.caption } : {}), ...reply }; break;
    // A voice note (recorded in WhatsApp) rather than an audio file: said in the payload.
    case 'audio': if (m.audio) return { type: 'audio', media: ref(m.audio), ...(m.audio.voice ? { payload: 'voice' } : {}), ...reply }; break;
    case 'video': if (m.video) return { type: 'video', media: ref(m.video), ...(m.video.caption ? { text: m.video.caption } : {}), ...reply }; break;
    case 'document': if (m.document) return { type: 'file', media: ref(m.document, m.document.filename ? { fileName: m.document.filename } : {}), ...(m.document.caption ? { text: m.document.caption } : {}), ...reply }; break;
    case 'sticker': if (m.sticker) return { type: 'sticker', media: ref(m.sticker), payload: m.sticker.id, ...reply }; break;
    case 'location': if (m.location) {
      const l = m.location;
      return { type: 'location', ...(l.name || l.address ? { text: [l.name, l.address].filter(Boolean).join('\n') } : {}), location: { latitude: l.latitude, longitude: l.longitude, ...(l.name ? { name: l.name } : {}), ...(l.address ? { address: l.address } : {}) } };
    } break;
    case 'contacts': if (m.contacts) {
      const cards = m.contacts.map((c) => [c.name?.formatted_name ?? [c.name?.first_name, c.name?.last_name].filter(Boolean).join(' '), ...(c.phones ?? []).map((p) => p.phone ?? p.wa_id)].filter(Boolean).join('\n'));
      return { type: 'contact', text: cards.join('\n\n'), payload: JSON.stringify(m.contacts) };
    } break;
    case 'interactive': {
      const r = m.interactive?.button_reply ?? m.interactive?.list_reply;
      if (r) return { type: 'interactive', text: r.title, payload: r.id, ...reply };
      if (m.interactive?.nfm_reply) return { type: 'interactive', text: m.interactive.nfm_reply.body ?? 'Form sent', payload: m.interactive.nfm_reply.response_json ?? '' , ...reply };
      break;
    }
    case 'button': if (m.button) return { type: 'interactive', text: m.button.text, payload: m.button.payload ?? m.button.text, ...reply };
      break;
    case 'reaction': if (m.reaction) {
      return { type: 'text', text: m.reaction.emoji ? `Reacted ${m.reaction.emoji}` : 'Removed a reaction', payload: 'reaction', replyToExternalId: m.reaction.message_id };
    } break;
    case 'order': if (m.order) {
      const items = (m.order.product_items ?? []).map((i) => `${i.quantity ?? 1} × ${i.product_retailer_id}`).join('\n');
      return { type: 'text', text: ['[Order]', items, m.order.text].filter(Boolean).join('\n'), payload: JSON.stringify(m.order) };
    } break;
    default: break;
  }
  // "unsupported" (a poll, a group invite... that Cloud API does not pass on), a type newer than
  // this adapter, or a type without its part: kept in text form, with WhatsApp's reason.
  const what = m.type === 'unsupported' && m.unsupported?.type ? `${m.type} ${m.unsupported.type}` : m.type;
  const why = m.errors?.[0]?.title ?? m.errors?.[0]?.message;
  return { type: 'text', text: `[WhatsApp ${what} message${why ? `: ${why}` : ''}]`, payload: m.unsupported?.type ?? m.type };
}
