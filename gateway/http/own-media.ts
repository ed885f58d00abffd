// The bytes of one of our stored attachments, read through its signed link, for platforms that
// want files uploaded to them (Telegram documents, WeChat media) rather than fetched by URL.
import type { MediaView } from '../../shared/types/api.js';
import { SendError } from '../send-error.js';
import { DOWNLOAD_MAX_REDIRECTS, DOWNLOAD_TIMEOUT_MS, platformHttp, sendErrorFrom } from './platform-http.js';

export async function ownMediaBlob(m: MediaView, maxBytes: number): Promise<Blob> {
  if (m.size > maxBytes) throw SendError.permanent(`${m.fileName ?? 'The file'} is ${m.size} bytes, over the ${maxBytes}-byte upload limit.`);
  try {
    const res = await platformHttp(undefined, DOWNLOAD_TIMEOUT_MS).get<ArrayBuffer>(m.url, { responseType: 'arraybuffer', maxContentLength: maxBytes, maxRedirects: DOWNLOAD_MAX_REDIRECTS });
    return new Blob([res.data], { type: m.mimeType });
  } catch (err) {
    throw sendErrorFrom(err, 'Our media server');
  }
}
