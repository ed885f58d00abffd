// Downloads what a Messenger customer sent: attachments come with a URL on Meta's CDN that needs
// no token (and expires after some days, so the fetch job runs at once).
import type { Context } from '../../../shared/context.js';
import type { MediaRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, FetchedMedia } from '../../adapter.js';
import { downloadMedia } from '../../http/download-media.js';
import { DOWNLOAD_TIMEOUT_MS, platformHttp } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { messengerSettings } from './config.js';

export async function fetchMessengerMedia(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia> {
  const s = messengerSettings(ch);
  if (!ref.url) throw SendError.permanent('This Messenger attachment has no URL to download it from.');
  return downloadMedia(platformHttp(undefined, s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS), ref.url, { maxBytes: ctx.config.limits.mediaBytes, platform: 'Messenger' });
}
