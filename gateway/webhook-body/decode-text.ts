// The first steps of reading any webhook body: the declared content type, then strict UTF-8.
// Shared by the JSON, form and XML readers so that every adapter answers 415/400 alike.
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../../shared/errors.js';

/** The media type without parameters, lower-case ('' when absent). */
export function mediaType(headers: IncomingHttpHeaders): string {
  return String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** Throws 415 unless the body was declared as one of the accepted media types. */
export function requireMediaType(headers: IncomingHttpHeaders, accepted: readonly string[], what: string): void {
  const t = mediaType(headers);
  if (!accepted.includes(t)) {
    throw new AppError('unsupported_type', `${what} must be sent as ${accepted.join(' or ')}${t ? `, not ${t}` : ' (no Content-Type was given)'}.`);
  }
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(String(headers['content-type'] ?? ''))?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new AppError('unsupported_type', `${what} must be UTF-8, not ${charset}.`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as text; invalid UTF-8 is a 400, never a replacement character stored silently. */
export function bodyText(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new AppError('bad_request', 'The body is not valid UTF-8.');
  }
}
