// Downloads what a LINE customer sent (images, video, audio, files) from the content API on
// api-data.line.me; content an app sent from an external provider is fetched from its URL.
import type { Context } from '../../../shared/context.js';
import type { MediaRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, FetchedMedia } from '../../adapter.js';
import { downloadMedia } from '../../http/download-media.js';
import { DOWNLOAD_TIMEOUT_MS, platformHttp } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { lineSettings } from './config.js';

export async function fetchLineMedia(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia> {
  const s = lineSettings(ch);
  const maxBytes = ctx.config.limits.mediaBytes;
  const timeout = s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
  if (ref.url) return downloadMedia(platformHttp(undefined, timeout), ref.url, { maxBytes, platform: 'LINE external content' });
  if (!ref.platformRef) throw SendError.permanent('This LINE attachment has no message id to download it by.');
  const http = platformHttp(s.dataApiBaseUrl, timeout);
  return downloadMedia(http, `/v2/bot/message/${encodeURIComponent(ref.platformRef)}/content`, {
    maxBytes, platform: 'LINE', headers: { authorization: `Bearer ${s.channelAccessToken}` },
  });
}
