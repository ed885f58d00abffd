// Sends with the Cloud API: POST /<version>/<phone number id>/messages, one call per part (text,
// each attachment by its signed link, a location). WhatsApp's limits decide: 4 096 characters of
// text, 1 024 of caption; images JPEG/PNG up to 5 MB; audio AAC/AMR/MP3/M4A/OGG and video
// MP4/3GP up to 16 MB; documents up to 100 MB; stickers WebP up to 500 KB. A reply more than 24
// hours after the customer's last message is refused (131047), by the call or later by a failed
// status: either way it fails at once, with WhatsApp's reason. An approved template (the one
// message allowed outside those 24 hours) goes alone, as `type: template`.
import type { Context } from '../../../shared/context.js';
import type { MediaView } from '../../../shared/types/api.js';
import type { OutboundMessage, TemplateRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';
import { platformHttp, sendErrorFrom, type ErrorReading } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { sendInParts } from '../../http/send-parts.js';
import { whatsappSettings, type WhatsappSettings } from './config.js';
import { describeWhatsappError, isPermanentCode } from './error-codes.js';
import type { WhatsappErrorBody, WhatsappSendAnswer } from './types.js';

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const MB = 1024 * 1024;

type Part = Record<string, unknown> & { type: string };

const KINDS: { type: string; mimes: string[]; maxBytes: number; caption: boolean }[] = [
  { type: 'image', mimes: ['image/jpeg', 'image/png'], maxBytes: 5 * MB, caption: true },
  { type: 'sticker', mimes: ['image/webp'], maxBytes: 500 * 1024, caption: false },
  { type: 'audio', mimes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'audio/ogg'], maxBytes: 16 * MB, caption: false },
  { type: 'video', mimes: ['video/mp4', 'video/3gpp'], maxBytes: 16 * MB, caption: true },
];

export async function sendWhatsapp(ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  const s = whatsappSettings(ch);
  // Several parts are several WhatsApp messages; those already accepted are not sent again on a retry.
  const lastId = await sendInParts(ctx, msg.messageId, renderWhatsapp(msg), (part) => post(s, msg.externalUserId, part));
  return { externalMessageId: lastId };
}

/** Our message as Cloud API message objects, in order; what WhatsApp cannot take fails at once, with why. */
export function renderWhatsapp(msg: OutboundMessage): Part[] {
  const c = msg.content;
  if (c.template) return [templatePart(c.template)]; // its wording is the approved one: no text beside it
  const media = msg.view.media ?? [];
  const parts: Part[] = [];
  const text = c.text ?? '';
  const first = media[0] ? kindOf(media[0]) : undefined;
  const captioned = media.length === 1 && !!text && text.length <= MAX_CAPTION && (first?.caption ?? true);
  if (text && !captioned) {
    if (text.length > MAX_TEXT) throw SendError.permanent(`WhatsApp takes at most ${MAX_TEXT} characters in one message; this one has ${text.length}.`);
    parts.push({ type: 'text', text: { preview_url: /https?:\/\//.test(text), body: text } });
  }
  for (const m of media) parts.push(mediaPart(m, captioned ? text : undefined));
  if (c.location) {
    const l = c.location;
    parts.push({ type: 'location', location: { latitude: l.latitude, longitude: l.longitude, ...(l.name ? { name: l.name } : {}), ...(l.address ? { address: l.address } : {}) } });
  }
  if (!parts.length) throw SendError.permanent('This message has nothing WhatsApp can show (no text, attachment or location).');
  return parts;
}

/** An approved template, its body's {{1}}, {{2}}... filled in order. */
function templatePart(t: TemplateRef): Part {
  const components = t.parameters?.length ? [{ type: 'body', parameters: t.parameters.map((text) => ({ type: 'text', text })) }] : undefined;
  return { type: 'template', template: { name: t.name, language: { policy: 'deterministic', code: t.language }, ...(components ? { components } : {}) } };
}

function kindOf(m: MediaView) { return KINDS.find((k) => k.mimes.includes(m.mimeType)); }

function mediaPart(m: MediaView, caption?: string): Part {
  if (!m.url) throw SendError.permanent('This attachment has no link to send it by.');
  const kind = kindOf(m);
  const name = m.fileName ?? 'the file';
  if (kind) {
    if (m.size > kind.maxBytes) throw SendError.permanent(`WhatsApp takes ${kind.type === 'sticker' ? 'stickers' : `${kind.type}s`} of at most ${kind.maxBytes >= MB ? `${kind.maxBytes / MB} MB` : `${kind.maxBytes / 1024} KB`}; ${name} is ${(m.size / MB).toFixed(1)} MB.`);
    // WhatsApp takes Ogg audio only with the Opus codec, which is what it plays as a voice note.
    const voice = m.mimeType === 'audio/ogg' ? { voice: true } : {};
    return { type: kind.type, [kind.type]: { link: m.url, ...(caption && kind.caption ? { caption } : {}), ...voice } };
  }
  if (m.mimeType.startsWith('image/') || m.mimeType.startsWith('video/') || m.mimeType.startsWith('audio/')) {
    throw SendError.permanent(`WhatsApp cannot show ${m.mimeType} (${name}); send it as a JPEG/PNG picture, an MP4 video or MP3/OGG audio.`);
  }
  if (m.size > 100 * MB) throw SendError.permanent(`WhatsApp takes documents of at most 100 MB; ${name} is ${(m.size / MB).toFixed(1)} MB.`);
  return { type: 'document', document: { link: m.url, ...(m.fileName ? { filename: m.fileName } : {}), ...(caption ? { caption } : {}) } };
}

async function post(s: WhatsappSettings, to: string, part: Part): Promise<string> {
  const http = platformHttp(s.apiBaseUrl, s.timeoutMs);
  let data: WhatsappSendAnswer;
  try {
    data = (await http.post<WhatsappSendAnswer>(`/${s.version}/${s.phoneNumberId}/messages`,
      { messaging_product: 'whatsapp', recipient_type: 'individual', to, ...part },
      { headers: { authorization: `Bearer ${s.accessToken}` } })).data;
  } catch (err) {
    throw sendErrorFrom(err, 'WhatsApp', readWhatsappError);
  }
  const id = data?.messages?.[0]?.id;
  if (!id) throw SendError.transient('WhatsApp accepted the message without giving its id.');
  return id;
}

/** Meta's error body: `error.code` decides (see error-codes.ts); `error_data.details` says why in words. */
export function readWhatsappError(status: number, data: unknown): ErrorReading {
  const e = ((data && typeof data === 'object' ? data : {}) as WhatsappErrorBody).error;
  if (!e) return {};
  const reason = describeWhatsappError({ code: e.code, message: e.message, details: e.error_data?.details });
  const permanent = isPermanentCode(e.code);
  // A code we do not know: 429 and 5xx are retried, other 4xx are refusals (platform-http's default).
  return permanent === undefined ? { reason } : { reason, permanent };
}
