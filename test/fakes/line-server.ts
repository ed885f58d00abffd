// A fake LINE Messaging API: the push endpoint (Bearer token, body shape, X-Line-Retry-Key with
// 409 for an already-accepted key) and the content endpoint on the "api-data" host.
import { randomInt } from 'node:crypto';
import { FakeHttpServer, type FakeAnswer, type RecordedRequest } from './fake-http-server.js';

const RETRY_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class FakeLineServer extends FakeHttpServer {
  /** Message content by message id, for GET /v2/bot/message/{id}/content. */
  readonly content = new Map<string, { bytes: Buffer; mimeType: string }>();
  private readonly accepted = new Map<string, string>();
  /** Accept the next push with this text but answer 500, as when LINE's answer is lost on the way back. */
  loseAnswerTo?: string;

  /** The message id LINE gave the push made with this retry key. */
  acceptedId(retryKey: string): string | undefined { return this.accepted.get(retryKey); }

  constructor(readonly accessToken: string) {
    super();
    this.route('POST', '/v2/bot/message/push', (req) => this.push(req));
    this.route('GET', '/v2/bot/message/:id/content', (req, p) => {
      if (!this.authorized(req)) return unauthorized();
      const c = this.content.get(p.id);
      return c ? { status: 200, body: c.bytes, headers: { 'content-type': c.mimeType } } : { status: 404, body: { message: 'Not found' } };
    });
  }

  private authorized(req: RecordedRequest): boolean { return req.headers.authorization === `Bearer ${this.accessToken}`; }

  private push(req: RecordedRequest): FakeAnswer {
    if (!this.authorized(req)) return unauthorized();
    const key = String(req.headers['x-line-retry-key'] ?? '');
    if (key && !RETRY_KEY.test(key)) return { status: 400, body: { message: 'The value of the X-Line-Retry-Key header is invalid' } };
    let b: any;
    try { b = req.json(); } catch { return { status: 400, body: { message: 'The request body could not be parsed as JSON' } }; }
    if (typeof b.to !== 'string' || !/^[UCR][0-9a-f]{32}$/.test(b.to)) return { status: 400, body: { message: 'Failed to send messages', details: [{ message: 'The property, \'to\', in the request body is invalid', property: 'to' }] } };
    if (!Array.isArray(b.messages) || b.messages.length < 1 || b.messages.length > 5) return { status: 400, body: { message: 'The request body has 1 error(s)', details: [{ message: 'Size must be between 1 and 5', property: 'messages' }] } };
    for (const [i, m] of b.messages.entries()) {
      if (m.type === 'text' && (typeof m.text !== 'string' || !m.text)) return { status: 400, body: { message: 'The request body has 1 error(s)', details: [{ message: 'May not be empty', property: `messages[${i}].text` }] } };
    }
    if (key && this.accepted.has(key)) {
      return { status: 409, body: { message: 'The retry key is already accepted', sentMessages: [{ id: this.accepted.get(key) }] }, headers: { 'x-line-accepted-request-id': 'req-1' } };
    }
    const id = String(randomInt(1e9, 2 ** 47));
    if (key) this.accepted.set(key, id);
    if (this.loseAnswerTo && b.messages.some((m: any) => m.text === this.loseAnswerTo)) {
      this.loseAnswerTo = undefined;
      return { status: 500, body: { message: 'An error occurred in the server' } };
    }
    return { status: 200, body: { sentMessages: [{ id, quoteToken: `q${id}` }] }, headers: { 'x-line-request-id': `req-${id}` } };
  }
}

function unauthorized(): FakeAnswer {
  return { status: 401, body: { message: 'Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.' } };
}
