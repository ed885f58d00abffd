// A fake WhatsApp Cloud API (Graph API): POST /<version>/<phone number id>/messages with the
// documented checks (bearer token, messaging_product, recipient, message objects, the 24-hour
// window), GET /<version>/<media id> for a media URL (refusing a phone_number_id filter that does
// not match the number the media was uploaded on, as Meta does), and that lookaside-style URL for
// the bytes, and GET /<version>/<WABA id>/message_templates (the Business Management API: a
// catalog of templates in every review state, `fields` honoured, cursor paging with `after` and a
// `next` link while more follow, at most `templatePageSize` a page). Errors have Meta's shape: {error: {message: "(#code) title", type, code, error_data, fbtrace_id}}.
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

  constructor(readonly accessToken: string, readonly phoneNumberId: string, readonly businessAccountId = FAKE_WABA_ID) {
    super();
    this.route('GET', '/:version/:waba/message_templates', (req, p) => this.listTemplates(req, p.waba));
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

  /** The account's templates as Meta lists them; only APPROVED ones can be sent. */
  readonly templateCatalog: FakeTemplate[] = structuredClone(TEMPLATE_CATALOG);
  /** The most templates a page holds, whatever `limit` asks: small, so that clients must follow the cursor. */
  templatePageSize = 3;

  /** Accepted sends carrying this text (body or caption). */
  sendsWith(text: string) { return this.accepted.filter((a) => a.body.text?.body === text || a.body[a.body.type]?.caption === text); }

  private authorized(req: RecordedRequest): boolean { return req.headers.authorization === `Bearer ${this.accessToken}`; }

  /** Graph's cursor paging: `after` is an opaque cursor (here the position, encoded), `next` only when more follow. */
  private listTemplates(req: RecordedRequest, waba: string): FakeAnswer {
    if (!this.authorized(req)) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    if (waba !== this.businessAccountId) return graphError(400, 100, `Unsupported get request. Object with ID '${waba}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`);
    const limit = Math.min(Number(req.query.get('limit') ?? 25) || 25, this.templatePageSize);
    const afterCursor = req.query.get('after');
    const start = afterCursor ? Number(Buffer.from(afterCursor, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) return graphError(400, 100, 'Invalid parameter', 'Param after is not a valid cursor');
    const fields = req.query.get('fields')?.split(',') ?? ['name', 'parameter_format', 'components', 'language', 'status', 'category'];
    const page = this.templateCatalog.slice(start, start + limit)
      .map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => k === 'id' || fields.includes(k))));
    const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
    const end = start + page.length;
    const next = new URL(`${this.url}${req.path}`);
    next.searchParams.set('limit', String(limit));
    next.searchParams.set('after', cursor(end));
    return { status: 200, body: {
      data: page,
      paging: { cursors: { before: cursor(start), after: cursor(end) }, ...(end < this.templateCatalog.length ? { next: next.toString() } : {}) },
    } };
  }

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
      if (!this.templateCatalog.some((t) => t.status === 'APPROVED' && t.name === part.name && t.language === part.language.code)) return graphError(404, 132001, 'Template name does not exist in the translation', `template name (${part.name}) does not exist in ${part.language.code}`);
    }
    if (this.closedWindow.has(b.to) && b.type !== 'template') {
      return graphError(400, 131047, 'Re-engagement message', 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.');
    }
    const wamid = `wamid.HBgL${randomBytes(18).toString('base64url').toUpperCase()}`;
    this.accepted.push({ body: b, wamid });
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: b.to, wa_id: b.to.replace('+', '') }], messages: [{ id: wamid }] } };
  }
}

/** The fake account's WhatsApp Business Account ID. */
export const FAKE_WABA_ID = '102290129340398';

export interface FakeTemplate {
  id: string; name: string; language: string; status: string; category: string; parameter_format?: string;
  components: Record<string, unknown>[];
}

const body = (text: string) => ({ type: 'BODY', text });

/**
 * Templates as WhatsApp Manager would hold them: approved ones in several languages, with and
 * without body parameters, a header and footer; and what a picker must not offer: templates still
 * pending or rejected, named parameters, a media header.
 */
export const TEMPLATE_CATALOG: FakeTemplate[] = [
  { id: '1001', name: 'callback_offer', language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameter_format: 'POSITIONAL', components: [
    { type: 'HEADER', format: 'TEXT', text: 'Your callback' },
    body('Hello {{1}}, we can call you back {{2}}. Reply YES to confirm.'),
    { type: 'FOOTER', text: 'Contact Center' },
  ] },
  { id: '1002', name: 'callback_offer', language: 'es_ES', status: 'APPROVED', category: 'UTILITY', parameter_format: 'POSITIONAL', components: [
    body('Hola {{1}}, podemos llamarle {{2}}. Responda SÍ para confirmar.'),
  ] },
  { id: '1003', name: 'spring_sale', language: 'en_US', status: 'PENDING', category: 'MARKETING', components: [body('Spring sale: {{1}} off everything!')] },
  { id: '1004', name: 'follow_up', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [
    body('Hi! You asked us for help earlier. Reply to this message to carry on the conversation.'),
    { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Carry on' }] },
  ] },
  { id: '1005', name: 'old_promo', language: 'en_US', status: 'REJECTED', category: 'MARKETING', components: [body('Buy now!!!')] },
  { id: '1006', name: 'follow_up', language: 'pt_BR', status: 'APPROVED', category: 'UTILITY', components: [
    body('Olá! Você pediu ajuda mais cedo. Responda esta mensagem para continuar a conversa.'),
  ] },
  { id: '1007', name: 'order_update', language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameter_format: 'POSITIONAL', components: [
    body('Your order {{1}} has shipped and arrives {{2}}. Track it with code {{3}}.'),
  ] },
  { id: '1008', name: 'reservation_confirmation', language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameter_format: 'NAMED', components: [
    body('Your table for {{number_of_guests}} on {{day}} is confirmed.'),
  ] },
  { id: '1009', name: 'new_catalog', language: 'en_US', status: 'APPROVED', category: 'MARKETING', components: [
    { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.invalid/x.jpg'] } },
    body('Our new catalog is out.'),
  ] },
];
