// Sends with the Send API: POST /<version>/<page id>/messages, one call per part (text, each
// attachment by its signed link, which Messenger fetches). Messenger's limits decide: 2 000
// characters of text, 25 MB per attachment. Standard messaging allows replies within 24 hours of
// the customer's last message; after that, with `humanAgentTag` (Meta's Human Agent permission),
// the reply goes again tagged HUMAN_AGENT (7 days); otherwise it fails with Meta's reason.
import axios from 'axios';
import type { Context } from '../../../shared/context.js';
import type { MediaView } from '../../../shared/types/api.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';
import { platformHttp, sendErrorFrom, type ErrorReading } from '../../http/platform-http.js';
import { sendInParts } from '../../http/send-parts.js';
import { SendError } from '../../send-error.js';
import { messengerSettings, type MessengerSettings } from './config.js';
import type { MessengerErrorBody, MessengerSendAnswer } from './types.js';

const MAX_TEXT = 2000;
const MAX_ATTACHMENT = 25 * 1024 * 1024;

type Part = { text: string } | { attachment: { type: 'image' | 'audio' | 'video' | 'file'; payload: { url: string; is_reusable: false } } };

export async function sendMessenger(ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  const s = messengerSettings(ch);
  const lastId = await sendInParts(ctx, msg.messageId, renderMessenger(msg), (part) => post(s, msg.externalUserId, part));
  return { externalMessageId: lastId };
}

/** Our message as Send API message objects, in order; what Messenger cannot take fails at once, with why. */
export function renderMessenger(msg: OutboundMessage): Part[] {
  const c = msg.content;
  const parts: Part[] = [];
  const text = [c.text, c.location ? locationText(c.location) : ''].filter(Boolean).join('\n');
  if (text) {
    if (text.length > MAX_TEXT) throw SendError.permanent(`Messenger takes at most ${MAX_TEXT} characters in one message; this one has ${text.length}.`);
    parts.push({ text });
  }
  for (const m of msg.view.media ?? []) parts.push(attachment(m));
  if (!parts.length) throw SendError.permanent('This message has nothing Messenger can show (no text, attachment or location).');
  return parts;
}

function locationText(l: { latitude: number; longitude: number; name?: string; address?: string }): string {
  // Messenger has no location message a page can send: a map link does the job.
  return [l.name, l.address, `https://maps.google.com/?q=${l.latitude},${l.longitude}`].filter(Boolean).join('\n');
}

function attachment(m: MediaView): Part {
  if (!m.url) throw SendError.permanent('This attachment has no link to send it by.');
  if (m.size > MAX_ATTACHMENT) throw SendError.permanent(`Messenger takes attachments of at most 25 MB; ${m.fileName ?? 'this file'} is ${(m.size / (1024 * 1024)).toFixed(1)} MB.`);
  const kind = m.mimeType.split('/')[0];
  const type = kind === 'image' || kind === 'audio' || kind === 'video' ? kind : 'file';
  return { attachment: { type, payload: { url: m.url, is_reusable: false } } };
}

async function post(s: MessengerSettings, psid: string, message: Part, tagged = false): Promise<string> {
  const http = platformHttp(s.apiBaseUrl, s.timeoutMs);
  const body = { recipient: { id: psid }, ...(tagged ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : { messaging_type: 'RESPONSE' }), message };
  let data: MessengerSendAnswer;
  try {
    data = (await http.post<MessengerSendAnswer>(`/${s.version}/${s.pageId}/messages`, body, { params: { access_token: s.pageAccessToken } })).data;
  } catch (err) {
    if (!tagged && s.humanAgentTag && outsideWindow(err)) return post(s, psid, message, true);
    throw sendErrorFrom(err, 'Messenger', readMessengerError);
  }
  if (!data?.message_id) throw SendError.transient('Messenger accepted the message without giving its id.');
  return data.message_id;
}

function outsideWindow(err: unknown): boolean {
  const e = axios.isAxiosError(err) ? (err.response?.data as MessengerErrorBody | undefined)?.error : undefined;
  return e?.code === 10 && (e.error_subcode === 2018278 || /outside of allowed window/i.test(e.message ?? ''));
}

/** Graph API codes that waiting will fix (rate limits, temporary failures); every other refusal is for good. */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 613, 1200]);

/** Meta's error body: code, subcode and message. 551 (person unavailable), 10 (outside the window), 100/2018001 (no such user), 190 (token) are for good. */
export function readMessengerError(status: number, data: unknown): ErrorReading {
  const e = ((data && typeof data === 'object' ? data : {}) as MessengerErrorBody).error;
  if (!e) return {};
  const reason = [e.code ? `(#${e.code}${e.error_subcode ? `/${e.error_subcode}` : ''})` : '', e.message].filter(Boolean).join(' ');
  if (e.code === undefined) return { reason };
  return { reason, permanent: !(TRANSIENT_CODES.has(e.code) || status >= 500) };
}
