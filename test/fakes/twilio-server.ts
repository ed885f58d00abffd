// A fake Twilio REST API: the Messages resource (basic auth with the account SID and auth
// token, form body checked, error codes on demand) and MMS media URLs that redirect to a "CDN".
import { randomBytes } from 'node:crypto';
import { basicAuth, FakeHttpServer, type FakeAnswer, type RecordedRequest } from './fake-http-server.js';

export class FakeTwilioServer extends FakeHttpServer {
  readonly media = new Map<string, { bytes: Buffer; mimeType: string }>();

  constructor(readonly accountSid: string, readonly authToken: string) {
    super();
    this.route('POST', '/2010-04-01/Accounts/:sid/Messages.json', (req, p) => this.create(req, p.sid));
    this.route('GET', '/2010-04-01/Accounts/:sid/Messages/:mm/Media/:me', (req, p) => {
      if (!this.authorized(req, p.sid)) return unauthorized();
      // As Twilio does: a redirect to the media host, which needs no credentials.
      return this.media.has(p.me) ? { status: 307, headers: { location: `${this.url}/cdn/${p.me}` } } : { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    });
    this.route('GET', '/cdn/:me', (_req, p) => {
      const m = this.media.get(p.me)!;
      return { status: 200, body: m.bytes, headers: { 'content-type': m.mimeType } };
    });
  }

  /** A media URL as Twilio puts it in MediaUrl{N}. */
  mediaUrl(messageSid: string, mediaSid: string): string { return `${this.url}/2010-04-01/Accounts/${this.accountSid}/Messages/${messageSid}/Media/${mediaSid}`; }

  private authorized(req: RecordedRequest, sid: string): boolean {
    const a = basicAuth(req);
    return sid === this.accountSid && a?.user === this.accountSid && a.pass === this.authToken;
  }

  private create(req: RecordedRequest, sid: string): FakeAnswer {
    if (!this.authorized(req, sid)) return unauthorized();
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return error(400, 20001, 'Unsupported content type');
    const f = req.form();
    if (!/^\+[1-9]\d{4,14}$/.test(f.get('To') ?? '')) return error(400, 21211, `The 'To' number ${f.get('To')} is not a valid phone number.`);
    if (!f.get('From') && !f.get('MessagingServiceSid')) return error(400, 21603, 'A \'From\' or \'MessagingServiceSid\' parameter is required to send a message');
    if (!f.get('Body') && !f.get('MediaUrl')) return error(400, 21619, 'A text message body or media urls must be specified.');
    const messageSid = `SM${randomBytes(16).toString('hex')}`;
    return { status: 201, body: { sid: messageSid, account_sid: sid, to: f.get('To'), from: f.get('From'), body: f.get('Body'), status: 'queued', num_media: String(f.getAll('MediaUrl').length), error_code: null, error_message: null } };
  }
}

function error(status: number, code: number, message: string): FakeAnswer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}
const unauthorized = () => error(401, 20003, 'Authenticate');
