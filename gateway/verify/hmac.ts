// HMAC signatures as the platforms compute them over a webhook's raw bytes (LINE, Twilio,
// the api channel...), in one place so that every adapter encodes them the same way.
import { createHmac } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256';

export function hmac(algorithm: HmacAlgorithm, key: string | Buffer, data: string | Buffer, encoding: 'hex' | 'base64'): string {
  return createHmac(algorithm, key).update(data).digest(encoding);
}

/** One header's value (the first, when a proxy repeated it), or undefined. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
