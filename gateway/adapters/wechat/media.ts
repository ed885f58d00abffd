// Downloads what a WeChat customer sent with media/get (the MediaId, valid three days). Errors
// come back as JSON with status 200, and videos as a JSON video_url: both are read here.
import type { Readable } from 'node:stream';
import type { Context } from '../../../shared/context.js';
import type { MediaRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, FetchedMedia } from '../../adapter.js';
import { downloadMedia } from '../../http/download-media.js';
import { DOWNLOAD_TIMEOUT_MS, platformHttp } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { forgetAccessToken, wechatAccessToken } from './access-token.js';
import { wechatSettings } from './config.js';
import { TOKEN_EXPIRED, wechatFailure } from './errors.js';
import type { WechatMediaResult } from './types.js';

const MAX_JSON_ANSWER = 64 * 1024;

export async function fetchWechatMedia(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia> {
  const s = wechatSettings(ch);
  const maxBytes = ctx.config.limits.mediaBytes;
  const http = platformHttp(s.apiBaseUrl, s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS);
  if (!ref.platformRef) {
    if (ref.url) return downloadMedia(platformHttp(undefined, s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS), ref.url, { maxBytes, platform: 'WeChat' });
    throw SendError.permanent('This WeChat attachment has no MediaId to download it by.');
  }
  for (let attempt = 0; ; attempt++) {
    const token = await wechatAccessToken(ctx, ch, s, http);
    const media = await downloadMedia(http, '/cgi-bin/media/get', { maxBytes, platform: 'WeChat', params: { access_token: token, media_id: ref.platformRef } });
    if (!/json|text\/plain/.test(media.mimeType ?? '')) return media;
    const answer = await readAnswer(media.body);
    if (answer.video_url) return downloadMedia(platformHttp(undefined, s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS), answer.video_url, { maxBytes, platform: 'WeChat' });
    const code = Number(answer.errcode ?? -1);
    if (TOKEN_EXPIRED.has(code) && attempt === 0) {
      await forgetAccessToken(ctx, ch, s, token);
      continue;
    }
    throw wechatFailure(code, answer.errmsg ?? 'media/get answered without the media', 'downloading media');
  }
}

/** The JSON WeChat answers instead of bytes; anything unreadable is worth another try later. */
async function readAnswer(stream: Readable): Promise<WechatMediaResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_ANSWER) break;
    chunks.push(chunk as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v && typeof v === 'object') return v as WechatMediaResult;
  } catch { /* not JSON: below */ }
  stream.destroy();
  throw SendError.transient('WeChat media/get answered with neither the media nor a readable error.');
}
