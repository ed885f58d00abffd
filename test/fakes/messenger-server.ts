// A fake Messenger Send API: POST /<version>/<page id>/messages?access_token=… with the
// documented checks (token, recipient, message text or attachment, the 24-hour standard
// messaging window and the HUMAN_AGENT tag), and a CDN serving customers' attachments.
// Errors have Meta's shape: {error: {message, type, code, error_subcode, fbtrace_id}}.
import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeAnswer, type RecordedRequest } from './fake-http-server.js';

export function metaError(status: number, code: number, message: string, subcode?: number): FakeAnswer {
  return { status, body: { error: { message, type: 'OAuthException', code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: 'AbCdEf' } } };
}

export class FakeMessengerServer extends FakeHttpServer {
  /** Customers' attachments on the "CDN", by file name. */
  readonly cdn = new Map<string, { bytes: Buffer; mimeType: string }>();
  /** Customers whose last message is older than 24 hours. */
  readonly outsideWindow = new Set<string>();
  /** Customers who cannot be messaged at all (551). */
  readonly unavailable = new Set<string>();
  readonly accepted: { body: any; mid: string }[] = [];

  constructor(readonly pageAccessToken: string, readonly pageId: string) {
    super();
    this.route('POST', '/:version/:page/messages', (req, p) => this.send(req, p.page));
    this.route('GET', '/cdn/:name', (_req, p) => {
      const f = this.cdn.get(p.name);
      return f ? { status: 200, body: f.bytes, headers: { 'content-type': f.mimeType } } : { status: 404, body: 'URL signature expired' };
    });
  }

  sendsWith(text: string) { return this.accepted.filter((a) => a.body.message?.text === text); }

  private send(req: RecordedRequest, page: string): FakeAnswer {
    if (req.query.get('access_token') !== this.pageAccessToken) return metaError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
    if (page !== this.pageId && page !== 'me') return metaError(400, 100, `Unsupported post request. Object with ID '${page}' does not exist`);
    let b: any;
    try { b = req.json(); } catch { return metaError(400, 100, '(#100) The parameter recipient is required'); }
    const psid = b?.recipient?.id;
    if (typeof psid !== 'string' || !/^\d+$/.test(psid)) return metaError(400, 100, '(#100) No matching user found', 2018001);
    if (this.unavailable.has(psid)) return metaError(400, 551, 'This person isn\'t available right now.', 1545041);
    const m = b.message ?? {};
    if (m.text !== undefined && (typeof m.text !== 'string' || !m.text || m.text.length > 2000)) return metaError(400, 100, '(#100) Length of param message[text] must be less than or equal to 2000');
    if (m.text === undefined && !m.attachment?.payload?.url) return metaError(400, 100, '(#100) Must send either message or state');
    const tagged = b.messaging_type === 'MESSAGE_TAG' && b.tag === 'HUMAN_AGENT';
    if (this.outsideWindow.has(psid) && !tagged) return metaError(400, 10, '(#10) This message is sent outside of allowed window.', 2018278);
    const mid = `m_${randomBytes(24).toString('base64url')}`;
    this.accepted.push({ body: b, mid });
    return { status: 200, body: { recipient_id: psid, message_id: mid } };
  }
}
