// Telegram updates in: the secret token header first (setWebhook's secret_token), then the one
// Update a POST carries, as an internal event. Message ids are unique per chat only, so the
// dedup key is "<chat id>:<message id>"; Telegram retries an update until it gets a 2xx.
import { AppError } from '../../../shared/errors.js';
import type { InboundEvent, MediaRef, MessageContent } from '../../../shared/types/message.js';
import type { ChannelRuntime, WebhookRequest } from '../../adapter.js';
import { headerValue } from '../../verify/hmac.js';
import { safeEqual } from '../../verify/safe-equal.js';
import { parseJsonBody } from '../../webhook-body/parse-json.js';
import { telegramSettings } from './config.js';
import { telegramUpdate, type TelegramMessage, type TelegramUpdate } from './types.js';

export function verifyTelegram(req: WebhookRequest, ch: ChannelRuntime): void {
  const given = headerValue(req.headers, 'x-telegram-bot-api-secret-token');
  if (!given || !safeEqual(given, telegramSettings(ch).secretToken)) {
    throw new AppError('bad_signature', 'The X-Telegram-Bot-Api-Secret-Token header is missing or is not this channel\'s secretToken (set it with setWebhook\'s secret_token).');
  }
}

export function parseTelegram(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[] {
  const u = parseJsonBody(req, telegramUpdate, 'A Telegram update');
  const e = toInbound(u, ch);
  return e ? [e] : [];
}

function toInbound(u: TelegramUpdate, ch: ChannelRuntime): InboundEvent | null {
  // Each event written out whole, not as `{ ...base, kind }` (see WebhookHandler.parse in adapter.ts).
  const channelId = ch.channel.id;
  const platform = 'telegram';
  if (u.message) {
    const m = u.message;
    return {
      channelId, platform, kind: 'message', externalUserId: String(m.chat.id), externalMessageId: `${m.chat.id}:${m.message_id}`,
      occurredAt: new Date(m.date * 1000), message: messageContent(m), profile: profileOf(m),
    };
  }
  if (u.callback_query) {
    // A tap on one of our inline buttons: the customer's answer, stored as a message the agent sees.
    const q = u.callback_query;
    const chatId = q.message?.chat.id ?? q.from.id;
    return {
      channelId, platform, kind: 'message', externalUserId: String(chatId), externalMessageId: `callback:${q.id}`, occurredAt: new Date(),
      message: { type: 'interactive', text: q.data ?? '', payload: q.data ?? '' },
    };
  }
  if (u.edited_message) {
    const m = u.edited_message;
    return {
      channelId, platform, kind: 'event', externalUserId: String(m.chat.id), externalMessageId: `edit:${m.chat.id}:${m.message_id}:${m.edit_date ?? m.date}`,
      occurredAt: new Date((m.edit_date ?? m.date) * 1000), event: { name: 'edited', payload: m.text ?? m.caption ?? '' },
    };
  }
  if (u.my_chat_member) {
    // The customer blocked (kicked) or unblocked the bot.
    const c = u.my_chat_member;
    const name = c.new_chat_member.status === 'kicked' ? 'blocked' : c.old_chat_member.status === 'kicked' ? 'unblocked' : `member:${c.new_chat_member.status}`;
    return { channelId, platform, kind: 'event', externalUserId: String(c.chat.id), externalMessageId: `member:${u.update_id}`, occurredAt: new Date(c.date * 1000), event: { name } };
  }
  // Channel posts, inline queries, polls' answers...: not a customer conversation; acknowledged.
  return null;
}

function profileOf(m: TelegramMessage): InboundEvent['profile'] {
  const f = m.from;
  const name = [f?.first_name ?? m.chat.first_name ?? m.chat.title, f?.last_name ?? m.chat.last_name].filter(Boolean).join(' ');
  const profile: NonNullable<InboundEvent['profile']> = {};
  if (name) profile.displayName = name;
  if (f?.language_code) profile.locale = f.language_code;
  return profile;
}

function messageContent(m: TelegramMessage): MessageContent {
  const reply = m.reply_to_message ? { replyToExternalId: `${m.chat.id}:${m.reply_to_message.message_id}` } : {};
  const caption = m.caption ? { text: m.caption } : {};
  const ref = (f: { file_id: string; file_size?: number }, more: Partial<MediaRef> = {}): MediaRef[] => [{
    platformRef: f.file_id, ...(f.file_size !== undefined ? { size: f.file_size } : {}), ...(m.caption ? { caption: m.caption } : {}), ...more,
  }];
  if (m.text !== undefined) return { type: 'text', text: m.text, ...reply };
  if (m.photo?.length) {
    // Telegram sends every size it made; the last is the largest.
    return { type: 'image', media: ref(m.photo[m.photo.length - 1], { mimeType: 'image/jpeg' }), ...caption, ...reply };
  }
  if (m.voice) return { type: 'audio', media: ref(m.voice, { mimeType: m.voice.mime_type ?? 'audio/ogg' }), ...caption, ...reply };
  if (m.audio) return { type: 'audio', media: ref(m.audio, { ...(m.audio.mime_type ? { mimeType: m.audio.mime_type } : {}), ...(m.audio.file_name ? { fileName: m.audio.file_name } : {}) }), ...caption, ...reply };
  if (m.video) return { type: 'video', media: ref(m.video, { mimeType: m.video.mime_type ?? 'video/mp4', ...(m.video.file_name ? { fileName: m.video.file_name } : {}) }), ...caption, ...reply };
  if (m.video_note) return { type: 'video', media: ref(m.video_note, { mimeType: 'video/mp4' }), ...reply };
  if (m.animation) return { type: 'video', media: ref(m.animation, { mimeType: m.animation.mime_type ?? 'video/mp4' }), ...caption, ...reply };
  if (m.document) {
    return { type: 'file', media: ref(m.document, { ...(m.document.mime_type ? { mimeType: m.document.mime_type } : {}), ...(m.document.file_name ? { fileName: m.document.file_name } : {}) }), ...caption, ...reply };
  }
  if (m.sticker) {
    // Animated (.tgs) and video stickers are not pictures an agent's browser shows: the emoji says what it meant.
    return { type: 'sticker', payload: m.sticker.file_id, ...(m.sticker.emoji ? { text: m.sticker.emoji } : {}), ...reply };
  }
  if (m.venue) {
    const v = m.venue;
    return { type: 'location', text: `${v.title}\n${v.address}`, location: { latitude: v.location.latitude, longitude: v.location.longitude, name: v.title, address: v.address } };
  }
  if (m.location) return { type: 'location', location: { latitude: m.location.latitude, longitude: m.location.longitude } };
  if (m.contact) {
    const c = m.contact;
    return { type: 'contact', text: [[c.first_name, c.last_name].filter(Boolean).join(' '), c.phone_number].join('\n'), payload: c.vcard ?? c.phone_number };
  }
  if (m.poll) return { type: 'text', text: `[Poll] ${m.poll.question}\n${m.poll.options.map((o) => `• ${o.text}`).join('\n')}`, payload: 'poll' };
  if (m.dice) return { type: 'text', text: `${m.dice.emoji} ${m.dice.value}`, payload: 'dice' };
  // A kind of message newer than this adapter: kept in text form, never dropped silently.
  return { type: 'text', text: '[Telegram message of a kind we cannot show]', payload: 'unsupported' };
}
