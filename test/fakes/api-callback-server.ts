// A fake receiver for the api channel's callbackUrl (a CRM): checks our X-Signature and the
// documented body shape, records what arrives, and fails on demand.
import { createHmac } from 'node:crypto';
import { FakeHttpServer, type FakeAnswer, type RecordedRequest } from './fake-http-server.js';

export class FakeApiCallbackServer extends FakeHttpServer {
  constructor(readonly secret: string) {
    super();
    this.route('POST', '/crm/callback', (req) => this.receive(req));
  }

  get callbackUrl(): string { return `${this.url}/crm/callback`; }

  private receive(req: RecordedRequest): FakeAnswer {
    const expected = `sha256=${createHmac('sha256', this.secret).update(req.body).digest('hex')}`;
    if (req.headers['x-signature'] !== expected) return { status: 401, body: { error: { code: 'bad_signature', message: 'X-Signature does not match' } } };
    let b: any;
    try { b = req.json(); } catch { return { status: 400, body: { error: { code: 'bad_request', message: 'not JSON' } } }; }
    const m = b?.message;
    if (typeof b?.channelId !== 'string' || typeof b?.externalUserId !== 'string' || typeof m?.id !== 'string' || typeof m?.type !== 'string') {
      return { status: 400, body: { error: { code: 'bad_request', message: 'body does not have the documented shape' } } };
    }
    if (b.externalUserId === 'crm-user-unknown') return { status: 404, body: { error: { code: 'not_found', message: 'No such contact in the CRM' } } };
    return { status: 200, body: { externalMessageId: `crm-${m.id}` } };
  }
}
