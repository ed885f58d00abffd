// The WhatsApp Cloud API in the conformance suite: the fake Graph API, and notifications signed
// with X-Hub-Signature-256.
import { tamperBody, type ConformanceCase } from './contract.js';
import { FakeWhatsappServer, graphError } from '../../fakes/whatsapp-server.js';
import { metaSignature, waBody, waMessage } from '../../fixtures/whatsapp/signing.js';
import { bodyIncludes } from '../../helpers/gateway.js';

const TOKEN = 'EAAconformance-whatsapp-token';
const APP_SECRET = 'conformance-meta-app-secret';
const PHONE_ID = '106540352242922';
const sign = (path: string, body: Buffer) => ({ path, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) } });

export const whatsappCase: ConformanceCase<FakeWhatsappServer> = {
  platform: 'whatsapp',
  startFake: () => new FakeWhatsappServer(TOKEN, PHONE_ID).start(),
  config: (fake) => ({ phoneNumberId: PHONE_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'conformance-verify', apiBaseUrl: fake.url, timeoutMs: 1000 }),
  secrets: ['accessToken', 'appSecret', 'verifyToken'],
  textMessage: (ch, o) => sign(ch.path, Buffer.from(waBody(PHONE_ID, { messages: [waMessage('text', o.userId, { id: `wamid.${o.messageId}`, text: { body: o.text } })] }))),
  forge: tamperBody,
  signedBytes: (ch, body) => sign(ch.path, body),
  userId: (n) => String(15_551_000_000 + n),
  sends: (fake) => fake.to('POST', `/v21.0/${PHONE_ID}/messages`),
  sentText: (req) => req.json().text?.body,
  failSendPermanently: (fake, text) => fake.failWhere('POST', `/v21.0/${PHONE_ID}/messages`, bodyIncludes(text),
    graphError(400, 131047, 'Re-engagement message', 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.')),
};
