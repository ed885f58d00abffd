// Downloads what a Telegram customer sent: getFile turns the file_id into a file_path (valid at
// least an hour), then the bytes come from /file/bot<token>/<file_path>. Bots can download files
// of up to 20 MB; getFile refuses bigger ones, for good.
import type { Context } from '../../../shared/context.js';
import type { MediaRef } from '../../../shared/types/message.js';
import type { ChannelRuntime, FetchedMedia } from '../../adapter.js';
import { downloadMedia } from '../../http/download-media.js';
import { DOWNLOAD_TIMEOUT_MS, platformHttp, sendErrorFrom } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import { methodPath, telegramSettings } from './config.js';
import { readTelegramError } from './outbound.js';
import type { TelegramAnswer, TelegramFile } from './types.js';

export async function fetchTelegramMedia(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia> {
  const s = telegramSettings(ch);
  if (!ref.platformRef) throw SendError.permanent('This Telegram attachment has no file_id to download it by.');
  const api = platformHttp(s.apiBaseUrl, s.timeoutMs);
  let file: TelegramFile | undefined;
  try {
    file = (await api.post<TelegramAnswer<TelegramFile>>(methodPath(s, 'getFile'), { file_id: ref.platformRef })).data.result;
  } catch (err) {
    throw sendErrorFrom(err, 'Telegram', readTelegramError);
  }
  if (!file?.file_path) throw SendError.permanent('Telegram gave no file_path for this attachment (it may be over the 20 MB bots can download).');
  const path = `/file/bot${s.botToken}/${file.file_path.split('/').map(encodeURIComponent).join('/')}`;
  const got = await downloadMedia(platformHttp(s.apiBaseUrl, s.timeoutMs ?? DOWNLOAD_TIMEOUT_MS), path, {
    maxBytes: ctx.config.limits.mediaBytes, platform: 'Telegram', read: readTelegramError,
  });
  // Telegram serves files as application/octet-stream: the message's own type is the better guess.
  const fileName = ref.fileName ?? file.file_path.split('/').pop();
  return { ...got, mimeType: got.mimeType && got.mimeType !== 'application/octet-stream' ? got.mimeType : ref.mimeType, ...(fileName ? { fileName } : {}) };
}
