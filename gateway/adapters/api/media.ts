// Downloads an attachment the api channel's sender referenced by URL: their own server, so no
// credentials of ours are sent with it.
import type { Context } from '../../../shared/context.js';
import type { MediaRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, FetchedMedia } from '../../adapter.js';
import { downloadMedia } from '../../http/download-media.js';
import { DOWNLOAD_TIMEOUT_MS, platformHttp } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { apiSettings } from './config.js';

export async function fetchApiMedia(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia> {
  if (!ref.url || !/^https?:\/\//i.test(ref.url)) throw SendError.permanent('This api channel attachment has no http(s) URL.');
  return downloadMedia(platformHttp(undefined, apiSettings(ch).timeoutMs ?? DOWNLOAD_TIMEOUT_MS), ref.url, { maxBytes: ctx.config.limits.mediaBytes, platform: 'api channel' });
}
