// Sends to WeChat as customer service messages (allowed within 48 hours of the customer's last
// message), refreshing the access token once when WeChat says it expired. Pictures, voice notes
// and videos are uploaded to WeChat's temporary media store first (media/upload) and sent by
// their media_id, within WeChat's limits: images JPG/PNG/GIF up to 10 MB, voice AMR/MP3 up to
// 2 MB, video MP4 up to 10 MB. Anything else goes as its link in the text.
import type { AxiosInstance } from 'axios';
import type { Context } from '../../../shared/context.js';
import type { MediaView } from '../../../shared/types/api.js';
import type { OutboundMessage } from '../../../shared/types/message.js';
import type { ChannelRuntime, SendResult } from '../../adapter.js';
import { ownMediaBlob } from '../../http/own-media.js';
import { platformHttp, sendErrorFrom } from '../../http/platform-http.js';
import { sendInParts } from '../../http/send-parts.js';
import { SendError } from '../../send-error.js';
import { forgetAccessToken, wechatAccessToken } from './access-token.js';
import { wechatSettings, type WechatSettings } from './config.js';
import { TOKEN_EXPIRED, wechatFailure } from './errors.js';
import type { WechatApiResult, WechatCustomMessage, WechatUploadResult } from './types.js';

const MAX_TEXT = 2000;
const MB = 1024 * 1024;

type UploadKind = 'image' | 'voice' | 'video';
const UPLOADS: { kind: UploadKind; mimes: string[]; maxBytes: number }[] = [
  { kind: 'image', mimes: ['image/jpeg', 'image/png', 'image/gif'], maxBytes: 10 * MB },
  { kind: 'voice', mimes: ['audio/amr', 'audio/mpeg'], maxBytes: 2 * MB },
  { kind: 'video', mimes: ['video/mp4'], maxBytes: 10 * MB },
];

/** One customer service message to send: ready, or an attachment to upload first. */
export type WechatPart = { message: WechatCustomMessage } | { upload: { kind: UploadKind; media: MediaView; touser: string } };

export async function sendWechat(ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult> {
  const s = wechatSettings(ch);
  const http = platformHttp(s.apiBaseUrl, s.timeoutMs);
  await sendInParts(ctx, msg.messageId, renderWechat(msg), async (part) => {
    const message = 'message' in part ? part.message : await uploaded(ctx, ch, s, http, part.upload);
    await withToken(ctx, ch, s, http, 'sending', (token) => http.post<WechatApiResult>('/cgi-bin/message/custom/send', message, { params: { access_token: token } }));
    return msg.messageId;
  });
  // WeChat returns no id for customer service messages: ours stands in for it.
  return { externalMessageId: msg.messageId };
}

/** Our message as customer service messages: the text (with the links of what WeChat cannot show), then each attachment WeChat takes. */
export function renderWechat(msg: OutboundMessage): WechatPart[] {
  const c = msg.content;
  const touser = msg.externalUserId;
  const uploads: WechatPart[] = [];
  const lines = [c.text];
  if (c.location) lines.push(`${c.location.name ?? ''} ${c.location.latitude},${c.location.longitude}`.trim());
  for (const m of msg.view.media ?? []) {
    const u = UPLOADS.find((x) => x.mimes.includes(m.mimeType) && m.size <= x.maxBytes);
    if (u) uploads.push({ upload: { kind: u.kind, media: m, touser } });
    else lines.push(m.url);
  }
  const content = lines.filter(Boolean).join('\n').slice(0, MAX_TEXT);
  const parts: WechatPart[] = content ? [{ message: { touser, msgtype: 'text', text: { content } } }, ...uploads] : uploads;
  if (!parts.length) throw SendError.permanent('This message has nothing WeChat can show.');
  return parts;
}

/** Uploads the attachment to WeChat's temporary media store; the message that shows it. */
async function uploaded(ctx: Context, ch: ChannelRuntime, s: WechatSettings, http: AxiosInstance, u: { kind: UploadKind; media: MediaView; touser: string }): Promise<WechatCustomMessage> {
  const limit = UPLOADS.find((x) => x.kind === u.kind)!.maxBytes;
  const blob = await ownMediaBlob(u.media, limit);
  const res = await withToken<WechatUploadResult>(ctx, ch, s, http, 'uploading media', (token) => {
    const form = new FormData();
    form.set('media', blob, u.media.fileName ?? `${u.kind}.${u.media.mimeType.split('/')[1]}`);
    return http.post<WechatUploadResult>('/cgi-bin/media/upload', form, { params: { access_token: token, type: u.kind } });
  });
  if (!res.media_id) throw SendError.transient('WeChat accepted the upload without giving a media_id.');
  if (u.kind === 'image') return { touser: u.touser, msgtype: 'image', image: { media_id: res.media_id } };
  if (u.kind === 'voice') return { touser: u.touser, msgtype: 'voice', voice: { media_id: res.media_id } };
  return { touser: u.touser, msgtype: 'video', video: { media_id: res.media_id, ...(u.media.fileName ? { title: u.media.fileName } : {}) } };
}

/** Calls a WeChat API with the access token, fetching a new token once when WeChat says it expired. */
async function withToken<T extends WechatApiResult>(ctx: Context, ch: ChannelRuntime, s: WechatSettings, http: AxiosInstance, doing: string, call: (token: string) => Promise<{ data: T }>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const token = await wechatAccessToken(ctx, ch, s, http);
    let data: T;
    try {
      data = (await call(token)).data;
    } catch (err) {
      throw sendErrorFrom(err, 'WeChat');
    }
    const code = Number(data?.errcode ?? 0);
    if (code === 0) return data;
    if (TOKEN_EXPIRED.has(code) && attempt === 0) {
      await forgetAccessToken(ctx, ch, s, token);
      continue;
    }
    throw wechatFailure(code, data?.errmsg ?? '', doing);
  }
}
