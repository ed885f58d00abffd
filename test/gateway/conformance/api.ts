// The generic api channel in the conformance suite: a fake CRM callback, and bodies signed
// with X-Signature as API.md documents.
import { tamperBody, type ConformanceCase } from './contract.js';
import { FakeApiCallbackServer } from '../../fakes/api-callback-server.js';
import { apiSignature } from '../../fixtures/api/signing.js';
import { bodyIncludes } from '../../helpers/gateway.js';

const SECRET = 'conformance-api-secret-0123';
const sign = (path: string, body: Buffer) => ({ path, body, headers: { 'content-type': 'application/json', 'x-signature': apiSignature(SECRET, body) } });

export const apiCase: ConformanceCase<FakeApiCallbackServer> = {
  platform: 'api',
  startFake: () => new FakeApiCallbackServer(SECRET).start(),
  config: (fake) => ({ secret: SECRET, callbackUrl: fake.callbackUrl, timeoutMs: 1000 }),
  secrets: ['secret'],
  textMessage: (ch, o) => sign(ch.path, Buffer.from(JSON.stringify({ externalUserId: o.userId, externalMessageId: o.messageId, text: o.text }))),
  forge: tamperBody,
  signedBytes: (ch, body) => sign(ch.path, body),
  userId: (n) => `crm-contact-${n}`,
  sends: (fake) => fake.to('POST', '/crm/callback'),
  sentText: (req) => req.json().message?.text,
  failSendPermanently: (fake, text) => fake.failWhere('POST', '/crm/callback', bodyIncludes(text), { status: 422, body: { error: { code: 'unprocessable', message: 'contact opted out' } } }),
};
