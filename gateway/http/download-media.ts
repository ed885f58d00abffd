// Streams a platform attachment (LINE content, WeChat media, Twilio MediaUrl...) with the
// channel's credentials, refusing more bytes than the media limit allows.
import { pipeline, Transform, type Readable } from 'node:stream';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import type { FetchedMedia } from '../adapter.js';
import { SendError } from '../send-error.js';
import { DOWNLOAD_MAX_REDIRECTS, sendErrorFrom, type ErrorReading } from './platform-http.js';

export interface DownloadOptions extends Pick<AxiosRequestConfig, 'headers' | 'auth' | 'params'> {
  maxBytes: number;
  platform: string;
  read?: (status: number, data: unknown) => ErrorReading;
}

/** GET `url` as a stream. A declared or actual size over `maxBytes` is a permanent failure. */
export async function downloadMedia(http: AxiosInstance, url: string, o: DownloadOptions): Promise<FetchedMedia & { body: Readable }> {
  let res;
  try {
    res = await http.get<Readable>(url, { headers: o.headers, auth: o.auth, params: o.params, responseType: 'stream', maxRedirects: DOWNLOAD_MAX_REDIRECTS });
  } catch (err) {
    throw sendErrorFrom(err, o.platform, o.read && ((status, data) => o.read!(status, typeof data === 'object' && data && 'pipe' in data ? undefined : data)));
  }
  if (res.status === 202) {
    // "Accepted": the platform is still preparing the content (LINE transcodes videos); try later.
    res.data.destroy();
    throw SendError.transient(`The ${o.platform} attachment is still being prepared.`);
  }
  const size = Number(res.headers['content-length']);
  if (Number.isFinite(size) && size > o.maxBytes) {
    res.data.destroy();
    throw SendError.permanent(`The ${o.platform} attachment is ${size} bytes, over the ${o.maxBytes}-byte limit.`);
  }
  const type = String(res.headers['content-type'] ?? '').split(';')[0].trim() || undefined;
  const disposition = String(res.headers['content-disposition'] ?? '');
  const fileName = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  const body = limitBytes(o.maxBytes, o.platform);
  pipeline(res.data, body, () => { /* a failure reaches the consumer as an error of `body` */ });
  return {
    body,
    mimeType: type,
    size: Number.isFinite(size) ? size : undefined,
    fileName: fileName ? safeDecode(fileName) : undefined,
  };
}

/** Passes bytes through, failing the stream once more than `max` have gone by. */
function limitBytes(max: number, platform: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(SendError.permanent(`The ${platform} attachment is over the ${max}-byte limit.`));
      else cb(null, chunk);
    },
  });
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
