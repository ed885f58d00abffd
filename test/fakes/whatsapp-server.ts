// A fake WhatsApp Cloud API (Graph API): POST /<version>/<phone number id>/messages with the
// documented checks (bearer token, messaging_product, recipient, message objects, the 24-hour
// window), GET /<version>/<media id> for a media URL (refusing a phone_number_id filter that does
// not match the number the media was uploaded on, as Meta does), and that lookaside-style URL for
// the bytes. Errors have Meta's shape: {error: {message: "(#code) title", type, code, error_data, fbtrace_id}}.
import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeAnswer, type RecordedRequest } from './fake-http-server.js';

const TYPES = ['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive', 'template', 'reaction'];

/** Meta's error body; Cloud API codes carry their code in the message ("(#131047) Re-engagement message"). */
export function graphError(status: number, code: number, title: string, details?: string, headers?: Record<string, string>): FakeAnswer {
  const message = code >= 130000 || code < 10 ? `(#${code}) ${title}` : title;
  return { status, ...(headers ? { headers } : {}), body: { error: { message, type: 'OAuthException', code, ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}), fbtrace_id: 'AbCdEf' } } };
}

export interface FakeMedia { bytes: Buffer; mimeType: string; /** The business number it was uploaded on; none for what a customer sent. */ uploadedOn?: string; fileSizeAsString?: boolean }

export class FakeWhatsappServer extends FakeHttpServer {
  /** Media a customer sent, by media id. */
  readonly media = new Map<string, FakeMedia>();
  /** Customers whose last message is older than 24 hours: free-form replies are refused (131047). */
  readonly closedWindow = new Set<string>();
  /** Accepted sends, with the wamid given. */
  readonly accepted: { body: any; wamid: string }[] = [];

  constructor(readonly accessToken: string, readonly phoneNumberId: string) {
    super();
    this.route('POST', '/:version/:phone/messages', (req, p) => this.send(req, p.phone));
    // The media URL, shaped as Meta's lookaside one: the media id and a signature in the query.
    this.route('GET', '/whatsapp_business/attachments/', (req) => {
      if (!this.authorized(req)) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
      const m = this.media.get(req.query.get('mid') ?? '');
      return m && req.query.get('hash') === 'fakehash' ? { status: 200, body: m.bytes, headers: { 'content-type': m.mimeType } } : { status: 404, body: 'not found' };
    });
    this.route('GET', '/:version/:id', (req, p) => {
      if (!this.authorized(req)) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
      const m = this.media.get(p.id);
      if (!m) return graphError(400, 100, `Unsupported get request. Object with ID '${p.id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`);
      const filter = req.query.get('phone_number_id');
      if (filter !== null && filter !== m.uploadedOn) return graphError(400, 100, 'Invalid parameter', `Param phone_number_id is not a valid whatsapp business phone number id ID`);
      const url = `${this.url}/whatsapp_business/attachments/?mid=${p.id}&ext=${Math.floor(Date.now() / 1000) + 300}&hash=fakehash`;
      return { status: 200, body: { messaging_product: 'whatsapp', url, mime_type: m.mimeType, sha256: 'x', file_size: m.fileSizeAsString ? String(m.bytes.length) : m.bytes.length, id: p.id } };
    });
  }

  /** Accepted sends carrying this text (body or caption). */
  /** Approved templates, as "name:language". */
  readonly templates = new Set<string>(['callback_offer:en_US']);
  sendsWith(text: string) { return this.accepted.filter((a) => a.body.text?.body === text || a.body[a.body.type]?.caption === text); }

  private authorized(req: RecordedRequest): boolean { return req.headers.authorization === `Bearer ${this.accessToken}`; }

  private send(req: RecordedRequest, phone: string): FakeAnswer {
    if (!this.authorized(req)) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    if (phone !== this.phoneNumberId) return graphError(400, 100, `Unsupported post request. Object with ID '${phone}' does not exist`);
    let b: any;
    try { b = req.json(); } catch { return graphError(400, 100, 'Invalid parameter', 'The request body is not JSON'); }
    if (b.messaging_product !== 'whatsapp') return graphError(400, 100, 'Invalid parameter', 'messaging_product must be whatsapp');
    if (typeof b.to !== 'string' || !/^\+?\d{6,15}$/.test(b.to)) return graphError(400, 131030, 'Recipient phone number not in allowed list', 'Recipient phone number not in allowed list');
    if (!TYPES.includes(b.type)) return graphError(400, 100, 'Invalid parameter', `Unsupported message type: ${b.type}`);
    const part = b[b.type];
    if (!part) return graphError(400, 100, 'Invalid parameter', `Param ${b.type} is required`);
    if (b.type === 'text' && (typeof part.body !== 'string' || !part.body || part.body.length > 4096)) return graphError(400, 100, 'Invalid parameter', 'Param text[\'body\'] must be 1-4096 characters');
    if (['image', 'audio', 'video', 'document', 'sticker'].includes(b.type) && typeof part.link !== 'string' && typeof part.id !== 'string') return graphError(400, 100, 'Invalid parameter', `Param ${b.type}['link'] or ${b.type}['id'] is required`);
    if (b.type === 'template') {
      // As the Cloud API: a name and a language code; a template the account has not approved is error 132001.
      if (typeof part.name !== 'string' || typeof part.language?.code !== 'string') return graphError(400, 100, 'Invalid parameter', "Param template['name'] and template['language']['code'] are required");
      if (!this.templates.has(`${part.name}:${part.language.code}`)) return graphError(404, 132001, 'Template name does not exist in the translation', `template name (${part.name}) does not exist in ${part.language.code}`);
    }
    if (this.closedWindow.has(b.to) && b.type !== 'template') {
      return graphError(400, 131047, 'Re-engagement message', 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.');
    }
    const wamid = `wamid.HBgL${randomBytes(18).toString('base64url').toUpperCase()}`;
    this.accepted.push({ body: b, wamid });
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: b.to, wa_id: b.to.replace('+', '') }], messages: [{ id: wamid }] } };
  }
}
