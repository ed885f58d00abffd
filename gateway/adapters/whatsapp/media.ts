// Downloads what a WhatsApp customer sent, in Meta's two steps: GET /<version>/<media id> (with
// the access token) gives a URL valid for five minutes, and that URL gives the bytes (with the token
// again). Fetched when the media job runs, so the URL is always fresh.
import type { Context } from '../../../shared/context.js';
import type { MediaRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, FetchedMedia } from '../../adapter.js';
import { downloadMedia } from '../../http/download-media.js';
import { DOWNLOAD_TIMEOUT_MS, platformHttp, sendErrorFrom } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { whatsappSettings } from './config.js';
import { readWhatsappError } from './outbound.js';
import type { WhatsappMediaInfo } from './types.js';

export async function fetchWhatsappMedia(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia> {
  const s = whatsappSettings(ch);
  if (!ref.platformRef) throw SendError.permanent('This WhatsApp attachment has no media id to download it by.');
  const auth = { authorization: `Bearer ${s.accessToken}` };
  let info: WhatsappMediaInfo;
  try {
    // No phone_number_id filter: Meta applies it to the number media was uploaded on, and a
    // customer's media was uploaded on none of ours, so the filter would refuse every download.
    info = (await platformHttp(s.apiBaseUrl, s.timeoutMs).get<WhatsappMediaInfo>(`/${s.version}/${encodeURIComponent(ref.platformRef)}`, { headers: auth })).data;
  } catch (err) {
    throw sendErrorFrom(err, 'WhatsApp', readWhatsappError);
  }
  if (!info?.url) throw SendError.permanent('WhatsApp gave no download URL for this attachment.');
  // Meta documents file_size as a string in places and sends a number in others: both are read.
  const declared = info.file_size === undefined || info.file_size === '' ? undefined : Number(info.file_size);
  const size = declared !== undefined && Number.isFinite(declared) ? declared : undefined;
  if (size !== undefined && size > ctx.config.limits.mediaBytes) {
    throw SendError.permanent(`The WhatsApp attachment is ${size} bytes, over the ${ctx.config.limits.mediaBytes}-byte limit.`);
  }
  const got = await downloadMedia(platformHttp(undefined, s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS), info.url, {
    maxBytes: ctx.config.limits.mediaBytes, platform: 'WhatsApp', headers: auth, read: readWhatsappError,
  });
  return { ...got, mimeType: info.mime_type?.split(';')[0].trim() || got.mimeType || ref.mimeType, ...(size !== undefined ? { size } : {}) };
}
