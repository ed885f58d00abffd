// Sends with the Bot API: sendMessage for text, sendPhoto/sendVideo/sendAudio/sendVoice/
// sendDocument for attachments (by URL where Telegram fetches that kind, else uploaded), and
// sendLocation. Telegram's limits decide: 4096 characters of text, 1024 of caption, photos
// by URL up to 5 MB, other files by URL up to 20 MB (documents only as PDF, ZIP or GIF), uploads
// up to 50 MB.
import type { Context } from '../../../shared/context.js';
import type { MediaView } from '../../../shared/types/api.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';
import { platformHttp, sendErrorFrom, type ErrorReading } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { sendInParts } from '../../http/send-parts.js';
import { ownMediaBlob } from '../../http/own-media.js';
import { methodPath, telegramSettings, type TelegramSettings } from './config.js';
import type { TelegramAnswer, TelegramSentMessage } from './types.js';

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const MB = 1024 * 1024;
const PHOTO_BY_URL = 5 * MB;
const FILE_BY_URL = 20 * MB;
const UPLOAD = 50 * MB;
/** What sendDocument accepts by URL; any other document is uploaded. */
const DOCUMENT_BY_URL = new Set(['application/pdf', 'application/zip', 'image/gif']);

interface Call { method: string; body: Record<string, unknown>; upload?: { field: string; media: MediaView } }

export async function sendTelegram(ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  const s = telegramSettings(ch);
  // One message may take several calls (text, then attachments); Telegram has no idempotency key for bots.
  const lastId = await sendInParts(ctx, msg.messageId, renderTelegram(msg), async (call) => String(await callMethod(ctx, s, msg.externalUserId, call)));
  return { externalMessageId: `${msg.externalUserId}:${lastId}` };
}

/** Our message as Bot API calls, in order; what Telegram cannot take fails at once, with why. */
export function renderTelegram(msg: OutboundMessage): Call[] {
  const c = msg.content;
  const media = msg.view.media ?? [];
  const calls: Call[] = [];
  const text = c.text ?? '';
  // One attachment with a short text goes as its caption; otherwise the text is its own message.
  const captioned = media.length === 1 && text.length > 0 && text.length <= MAX_CAPTION;
  if (text && !captioned) {
    if (text.length > MAX_TEXT) throw SendError.permanent(`Telegram takes at most ${MAX_TEXT} characters in one message; this one has ${text.length}.`);
    calls.push({ method: 'sendMessage', body: { text } });
  }
  for (const m of media) calls.push(mediaCall(m, captioned ? text : undefined));
  if (c.location) calls.push({ method: 'sendLocation', body: { latitude: c.location.latitude, longitude: c.location.longitude } });
  if (!calls.length) throw SendError.permanent('This message has nothing Telegram can show (no text, attachment or location).');
  return calls;
}

function mediaCall(m: MediaView, caption?: string): Call {
  if (!m.url) throw SendError.permanent('This attachment has no link to send it by.');
  if (m.size > UPLOAD) throw SendError.permanent(`Telegram bots can send files of at most 50 MB; ${m.fileName ?? 'this file'} is ${(m.size / MB).toFixed(1)} MB.`);
  const extra = caption ? { caption } : {};
  const byUrl = (method: string, field: string, limit: number): Call => (m.size <= limit
    ? { method, body: { [field]: m.url, ...extra } }
    : { method, body: extra, upload: { field, media: m } });
  const type = m.mimeType;
  if (['image/jpeg', 'image/png', 'image/webp'].includes(type)) return byUrl('sendPhoto', 'photo', PHOTO_BY_URL);
  if (type === 'video/mp4') return byUrl('sendVideo', 'video', FILE_BY_URL);
  if (type === 'audio/mpeg' || type === 'audio/mp4' || type === 'audio/x-m4a') return byUrl('sendAudio', 'audio', FILE_BY_URL);
  if (type === 'audio/ogg') return byUrl('sendVoice', 'voice', FILE_BY_URL);
  if (DOCUMENT_BY_URL.has(type)) return byUrl('sendDocument', 'document', FILE_BY_URL);
  return { method: 'sendDocument', body: extra, upload: { field: 'document', media: m } };
}

async function callMethod(ctx: Context, s: TelegramSettings, chatId: string, call: Call): Promise<number> {
  const http = platformHttp(s.apiBaseUrl, s.timeoutMs);
  try {
    let data: TelegramAnswer<TelegramSentMessage>;
    if (call.upload) {
      const form = new FormData();
      form.set('chat_id', chatId);
      for (const [k, v] of Object.entries(call.body)) form.set(k, String(v));
      form.set(call.upload.field, await ownMediaBlob(call.upload.media, UPLOAD), call.upload.media.fileName ?? 'file');
      data = (await http.post<TelegramAnswer<TelegramSentMessage>>(methodPath(s, call.method), form)).data;
    } else {
      data = (await http.post<TelegramAnswer<TelegramSentMessage>>(methodPath(s, call.method), { chat_id: chatId, ...call.body })).data;
    }
    if (!data?.ok || typeof data.result?.message_id !== 'number') throw SendError.transient(`Telegram answered without a message id: ${data?.description ?? 'no description'}.`);
    return data.result.message_id;
  } catch (err) {
    throw sendErrorFrom(err, 'Telegram', readTelegramError);
  }
}

/**
 * Telegram's error body: `description` says why; 429 carries parameters.retry_after (seconds).
 * "bot was blocked by the user", "chat not found", "user is deactivated" are for good.
 */
export function readTelegramError(status: number, data: unknown): ErrorReading {
  const b = (data && typeof data === 'object' ? data : {}) as TelegramAnswer<unknown>;
  const reason = b.description;
  if (status === 429) return { reason, permanent: false, ...(b.parameters?.retry_after !== undefined ? { retryAfterMs: b.parameters.retry_after * 1000 } : {}) };
  if (status === 401 || status === 403 || status === 404) return { reason, permanent: true };
  if (status === 400) return { reason, permanent: !/too many requests|try again/i.test(reason ?? '') };
  return { reason };
}
