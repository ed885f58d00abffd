// Reads an application/x-www-form-urlencoded webhook body (Twilio), strictly UTF-8, keeping the
// raw field list too because signatures are computed over every field as sent.
import { AppError } from '../../shared/errors.js';
import type { WebhookRequest } from '../adapter.js';
import { bodyText, mediaType, requireMediaType } from './decode-text.js';

const FORM = 'application/x-www-form-urlencoded';

/** The form's fields in body order (a name may repeat); empty when the body is not a form. */
export function formFields(req: WebhookRequest): [string, string][] {
  if (mediaType(req.headers) !== FORM) return [];
  return [...new URLSearchParams(bodyText(req.rawBody)).entries()];
}

/** The form as name → value (a repeated name keeps its first value); 415/400 on a non-form body. */
export function parseFormBody(req: WebhookRequest, what: string, maxFields = 500): Record<string, string> {
  requireMediaType(req.headers, [FORM], what);
  const fields = formFields(req);
  if (fields.length > maxFields) throw new AppError('bad_request', `${what} has more than ${maxFields} fields.`);
  // URLSearchParams turns a percent-encoded invalid UTF-8 sequence into U+FFFD without a word:
  // refuse it, unless the body really sent that character.
  const raw = bodyText(req.rawBody);
  if (fields.some(([k, v]) => (k + v).includes('\uFFFD')) && !/%EF%BF%BD|\uFFFD/i.test(raw)) {
    throw new AppError('bad_request', `${what} has a field that is not valid UTF-8.`);
  }
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of fields) if (!(k in out)) out[k] = v;
  return out;
}
