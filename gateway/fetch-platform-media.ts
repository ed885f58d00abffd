// Fetches an inbound attachment the platform only referenced, for the media server's job: the
// adapter's own fetchMedia (credentials, file ids), or a plain GET of a URL the platform gave.
import type { Context } from '../shared/context.js';
import type { MediaRef } from '../shared/types/message.js';
import type { FetchedMedia } from './adapter.js';
import { channelRuntime } from './channels.js';
import { downloadMedia } from './http/download-media.js';
import { platformHttp } from './http/platform-http.js';
import { adapterFor } from './registry.js';
import { SendError } from './send-error.js';

/** Timeout for one whole download: attachments can be large and platforms' CDNs slow. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** The attachment's bytes. Throws SendError: permanent when it can never succeed, transient to retry. */
export async function fetchPlatformMedia(ctx: Context, channelId: string, ref: MediaRef): Promise<FetchedMedia> {
  const rt = await channelRuntime(ctx, channelId);
  if (!rt) throw SendError.permanent('The channel of this message was removed.');
  const adapter = adapterFor(rt.channel.platform);
  if (adapter?.fetchMedia) return adapter.fetchMedia(ctx, rt, ref);
  if (ref.url && /^https?:\/\//i.test(ref.url)) {
    // Channels whose platform hands out plain URLs (the api channel, Messenger's attachment URLs).
    return downloadMedia(platformHttp(undefined, DOWNLOAD_TIMEOUT_MS), ref.url, { maxBytes: ctx.config.limits.mediaBytes, platform: rt.channel.platform });
  }
  throw SendError.permanent(`The ${rt.channel.platform} channel cannot fetch this attachment (no URL and no way to resolve its id).`);
}
