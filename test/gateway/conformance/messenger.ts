// Facebook Messenger in the conformance suite: the fake Send API, and page webhooks signed with
// X-Hub-Signature-256.
import { tamperBody, type ConformanceCase } from './contract.js';
import { FakeMessengerServer, metaError } from '../../fakes/messenger-server.js';
import { fbBody, fbEvent, metaSignature } from '../../fixtures/messenger/signing.js';
import { bodyIncludes } from '../../helpers/gateway.js';

const TOKEN = 'EAAconformance-page-token';
const APP_SECRET = 'conformance-messenger-app-secret';
const PAGE_ID = '1234567890123';
const sign = (path: string, body: Buffer) => ({ path, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) } });

export const messengerCase: ConformanceCase<FakeMessengerServer> = {
  platform: 'messenger',
  startFake: () => new FakeMessengerServer(TOKEN, PAGE_ID).start(),
  config: (fake) => ({ pageId: PAGE_ID, pageAccessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'conformance-verify', apiBaseUrl: fake.url, timeoutMs: 1000 }),
  secrets: ['pageAccessToken', 'appSecret', 'verifyToken'],
  textMessage: (ch, o) => {
    const e = fbEvent('text', o.userId, PAGE_ID, { mid: `m_${o.messageId}` });
    e.message.text = o.text;
    return sign(ch.path, Buffer.from(fbBody(PAGE_ID, e)));
  },
  forge: tamperBody,
  signedBytes: (ch, body) => sign(ch.path, body),
  userId: (n) => String(2_400_000_000_000_000 + n),
  sends: (fake) => fake.to('POST', `/v21.0/${PAGE_ID}/messages`),
  sentText: (req) => req.json().message?.text,
  failSendPermanently: (fake, text) => fake.failWhere('POST', `/v21.0/${PAGE_ID}/messages`, bodyIncludes(text), metaError(400, 551, 'This person isn\'t available right now.', 1545041)),
};
