// Sends an SMS/MMS with Twilio's Messages resource, asking for status callbacks on our webhook
// URL so that the message later moves to delivered (or failed, with Twilio's reason).
import type { Context } from '../../../shared/context.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import type { MediaView } from '../../../shared/types/api.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';
import { platformHttp, sendErrorFrom, type ErrorReading } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { twilioSettings } from './config.js';
import { describeTwilioCode, PERMANENT_CODES } from './error-codes.js';
import type { TwilioErrorBody, TwilioMessageResource } from './types.js';

const MAX_BODY = 1600; // Twilio's limit for one message body

export async function sendTwilio(_ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  const s = twilioSettings(ch);
  const form = renderTwilio(msg, s.fromNumber, ch.webhookUrl);
  const http = platformHttp(s.apiBaseUrl, s.timeoutMs);
  let data: TwilioMessageResource;
  try {
    data = (await http.post<TwilioMessageResource>(`/2010-04-01/Accounts/${encodeURIComponent(s.accountSid)}/Messages.json`, form.toString(), {
      auth: { username: s.accountSid, password: s.authToken },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })).data;
  } catch (err) {
    throw sendErrorFrom(err, 'Twilio', readTwilioError);
  }
  if (!data?.sid) throw SendError.transient('Twilio accepted the message but gave no sid.');
  if (data.status === 'failed') throw SendError.permanent(describeTwilioCode(data.error_code ?? undefined, data.error_message ?? undefined));
  return { externalMessageId: data.sid };
}

export function renderTwilio(msg: OutboundMessage, from: string, statusCallback: string): URLSearchParams {
  const form = new URLSearchParams();
  form.set('To', msg.externalUserId);
  if (/^MG/.test(from)) form.set('MessagingServiceSid', from);
  else form.set('From', from);
  const c = msg.content;
  const text = [c.text, c.location && `${c.location.name ?? ''} https://maps.google.com/?q=${c.location.latitude},${c.location.longitude}`.trim()].filter(Boolean).join('\n');
  if (text) form.set('Body', text.slice(0, MAX_BODY));
  for (const m of mmsMedia(msg.view.media ?? [])) form.append('MediaUrl', m.url);
  if (!form.has('Body') && !form.has('MediaUrl')) throw SendError.permanent('This message has nothing to send by SMS (no text, and no media with a public URL).');
  form.set('StatusCallback', statusCallback);
  return form;
}

const MMS_MAX_BYTES = 5 * 1024 * 1024;
const MMS_MAX_MEDIA = 10;
/** What Twilio accepts in an MMS (its "accepted content types" list); JPEG, PNG and GIF are the ones it also resizes for phones. */
const MMS_TYPES = new Set([
  'image/jpeg', 'image/png', 'image/gif', 'image/bmp', 'image/tiff',
  'audio/basic', 'audio/L24', 'audio/mp4', 'audio/mpeg', 'audio/ogg', 'audio/vnd.wave', 'audio/3gpp', 'audio/3gpp2', 'audio/ac3', 'audio/webm', 'audio/amr-nb', 'audio/amr',
  'video/mpeg', 'video/mp4', 'video/quicktime', 'video/webm', 'video/3gpp', 'video/3gpp2',
  'text/vcard', 'text/x-vcard', 'text/csv', 'text/rtf', 'text/calendar', 'application/pdf', 'application/vcard',
]);

/** The attachments as MMS media, within Twilio's limits; anything over them fails the reply at once, saying why. */
function mmsMedia(media: MediaView[]): MediaView[] {
  const sendable = media.filter((m) => /^https?:\/\//.test(m.url));
  if (sendable.length > MMS_MAX_MEDIA) throw SendError.permanent(`Twilio MMS carries at most ${MMS_MAX_MEDIA} attachments; this message has ${sendable.length}.`);
  const refused = sendable.find((m) => !MMS_TYPES.has(m.mimeType));
  if (refused) throw SendError.permanent(`Twilio MMS cannot carry ${refused.mimeType} (${refused.fileName ?? 'this file'}); send a picture, audio, video or PDF instead.`);
  const total = sendable.reduce((n, m) => n + m.size, 0);
  if (total > MMS_MAX_BYTES) throw SendError.permanent(`Twilio MMS carries at most 5 MB in all; these attachments are ${(total / (1024 * 1024)).toFixed(1)} MB.`);
  return sendable;
}

function readTwilioError(status: number, data: unknown): ErrorReading {
  const b = (data && typeof data === 'object' ? data : {}) as TwilioErrorBody;
  const reason = b.code ? `${describeTwilioCode(b.code, b.message)}${b.message ? ` (${b.message})` : ''}` : b.message;
  if (b.code && PERMANENT_CODES.has(b.code)) return { reason, permanent: true };
  return { reason };
}
