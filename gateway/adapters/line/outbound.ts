// Sends to LINE with the push API (reply tokens expire within minutes, agents answer later),
// with X-Line-Retry-Key set to our message id so that a retried push is never delivered twice.
import type { AxiosResponse } from 'axios';
import type { Context } from '../../../shared/context.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import type { MediaView } from '../../../shared/types/api.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';
import { platformHttp, sendErrorFrom, type ErrorReading } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { lineSettings } from './config.js';
import type { LineErrorBody, LineOutMessage, LinePushRequest, LinePushResponse } from './types.js';

const MAX_TEXT = 5000;

export async function sendLine(_ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  const s = lineSettings(ch);
  const body: LinePushRequest = { to: msg.externalUserId, messages: renderLine(msg) };
  const http = platformHttp(s.apiBaseUrl, s.timeoutMs);
  let res: AxiosResponse<LinePushResponse>;
  try {
    res = await http.post<LinePushResponse>('/v2/bot/message/push', body, {
      headers: { authorization: `Bearer ${s.channelAccessToken}`, 'x-line-retry-key': msg.messageId },
      // 409 means an earlier try with this retry key was accepted: that is our success.
      validateStatus: (st) => (st >= 200 && st < 300) || st === 409,
    });
  } catch (err) {
    throw sendErrorFrom(err, 'LINE', readLineError);
  }
  const id = res.data?.sentMessages?.[0]?.id ?? header(res, 'x-line-accepted-request-id') ?? header(res, 'x-line-request-id');
  return { externalMessageId: id ?? msg.messageId };
}

/** Our message as LINE message objects; what LINE cannot show natively goes as text with a link. */
export function renderLine(msg: OutboundMessage): LineOutMessage[] {
  const c = msg.content;
  const media = msg.view.media ?? [];
  const out: LineOutMessage[] = [];
  if (c.text) out.push({ type: 'text', text: c.text.slice(0, MAX_TEXT) });
  // LINE fetches image objects itself, over https only: JPEG or PNG up to 10 MB, with a JPEG/PNG
  // preview up to 1 MB (the picture itself when small enough, else our JPEG thumbnail). Videos
  // and audio need a preview picture or a duration we do not have, and files have no message
  // type: those, and anything LINE would not fetch, go as their link.
  const links: string[] = [];
  for (const m of media) {
    const image = lineImage(m);
    if (image && out.length < 5) out.push(image);
    else links.push(m.url);
  }
  if (links.length) out.push({ type: 'text', text: links.join('\n').slice(0, MAX_TEXT) });
  if (c.location) {
    out.push({ type: 'location', title: (c.location.name ?? 'Location').slice(0, 100), address: (c.location.address ?? '').slice(0, 100), latitude: c.location.latitude, longitude: c.location.longitude });
  }
  if (!out.length) throw SendError.permanent('This message has nothing LINE can show (no text, media or location).');
  return out.slice(0, 5); // the push API takes at most five message objects
}

const MB = 1024 * 1024;

function lineImage(m: MediaView): LineOutMessage | null {
  if (!m.url.startsWith('https://') || !['image/jpeg', 'image/png'].includes(m.mimeType) || m.size > 10 * MB) return null;
  const preview = m.size <= MB ? m.url : m.thumbnailUrl?.startsWith('https://') ? m.thumbnailUrl : null;
  return preview ? { type: 'image', originalContentUrl: m.url, previewImageUrl: preview } : null;
}

/** LINE's error body: a message, and details naming the property at fault. */
function readLineError(status: number, data: unknown): ErrorReading {
  const b = (data && typeof data === 'object' ? data : {}) as LineErrorBody;
  const detail = b.details?.map((d) => [d.property, d.message].filter(Boolean).join(' ')).join('; ');
  const reason = [b.message, detail].filter(Boolean).join(': ') || undefined;
  // The monthly message quota answers 429 too, but waiting minutes will not lift it.
  if (status === 429 && /monthly limit/i.test(b.message ?? '')) return { reason, permanent: true };
  return { reason };
}

function header(res: AxiosResponse, name: string): string | undefined {
  const v = res.headers[name];
  return typeof v === 'string' && v ? v : undefined;
}
