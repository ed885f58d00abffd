// Downloads an MMS attachment from its MediaUrl with the account's credentials. Only URLs on
// the configured Twilio API host are fetched: a signed webhook still must not make us fetch
// arbitrary addresses with our credentials.
import type { Context } from '../../../shared/context.js';
import type { MediaRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, FetchedMedia } from '../../adapter.js';
import { downloadMedia } from '../../http/download-media.js';
import { DOWNLOAD_TIMEOUT_MS, platformHttp } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { twilioSettings } from './config.js';

export async function fetchTwilioMedia(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia> {
  const s = twilioSettings(ch);
  const url = ref.platformRef ?? ref.url;
  if (!url) throw SendError.permanent('This Twilio attachment has no MediaUrl.');
  let origin: string;
  try { origin = new URL(url).origin; } catch { throw SendError.permanent('This Twilio attachment\'s MediaUrl is not a URL.'); }
  if (origin !== new URL(s.apiBaseUrl).origin) throw SendError.permanent(`Refusing to fetch a Twilio attachment from ${origin}: it is not the Twilio API host.`);
  // Twilio answers with a redirect to its media host; the client drops our credentials there.
  return downloadMedia(platformHttp(undefined, s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS), url, {
    maxBytes: ctx.config.limits.mediaBytes, platform: 'Twilio', auth: { username: s.accountSid, password: s.authToken },
  });
}
