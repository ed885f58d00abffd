// The LINE Messaging API in the conformance suite: the fake push API, and batched webhooks
// signed with X-Line-Signature.
import { tamperBody, type ConformanceCase } from './contract.js';
import { FakeLineServer } from '../../fakes/line-server.js';
import { LINE_EVENTS, lineBody, lineSignature } from '../../fixtures/line/signing.js';
import { bodyIncludes } from '../../helpers/gateway.js';

const SECRET = 'conformance-line-secret';
const TOKEN = 'conformance-line-token';
const sign = (path: string, body: Buffer) => ({ path, body, headers: { 'content-type': 'application/json', 'x-line-signature': lineSignature(SECRET, body) } });

export const lineCase: ConformanceCase<FakeLineServer> = {
  platform: 'line',
  startFake: () => new FakeLineServer(TOKEN).start(),
  config: (fake) => ({ channelAccessToken: TOKEN, channelSecret: SECRET, apiBaseUrl: fake.url, timeoutMs: 1000 }),
  secrets: ['channelAccessToken', 'channelSecret'],
  textMessage: (ch, o) => {
    const e = structuredClone(LINE_EVENTS.text);
    e.source.userId = o.userId;
    e.webhookEventId = `ev-${o.messageId}`;
    e.message = { ...e.message, id: o.messageId, text: o.text };
    return sign(ch.path, Buffer.from(lineBody(e)));
  },
  forge: tamperBody,
  signedBytes: (ch, body) => sign(ch.path, body),
  userId: (n) => `U${String(n).padStart(32, '0')}`,
  sends: (fake) => fake.to('POST', '/v2/bot/message/push'),
  sentText: (req) => req.json().messages?.[0]?.text,
  failSendPermanently: (fake, text) => fake.failWhere('POST', '/v2/bot/message/push', bodyIncludes(text), { status: 400, body: { message: 'Failed to send messages' } }),
};
