// WeChat Official Accounts (plaintext mode) in the conformance suite: the fake WeChat API, and
// pushes signed in the query string (which signs no body, hence its own way to forge).
import type { ConformanceCase } from './contract.js';
import { FakeWechatServer } from '../../fakes/wechat-server.js';
import { wechatFixture, wechatQuery } from '../../fixtures/wechat/signing.js';
import { bodyIncludes } from '../../helpers/gateway.js';

const APP_ID = 'wx-conformance';
const APP_SECRET = 'conformance-wechat-secret';
const TOKEN = 'Wx7TokenQ9';
const sign = (path: string, body: Buffer) => ({ path: `${path}?${wechatQuery(TOKEN)}`, body, headers: { 'content-type': 'text/xml' } });

export const wechatCase: ConformanceCase<FakeWechatServer> = {
  platform: 'wechat',
  startFake: () => new FakeWechatServer(APP_ID, APP_SECRET).start(),
  config: (fake) => ({ appId: APP_ID, appSecret: APP_SECRET, token: TOKEN, apiBaseUrl: fake.url, timeoutMs: 1000 }),
  secrets: ['appSecret', 'token'],
  textMessage: (ch, o) => sign(ch.path, Buffer.from(wechatFixture('text', {
    oyORnuP8q7ou2gfYjqLzSIWZf0rs: o.userId, '6054768590064713728': o.messageId, '你好, my card is blocked & I need help': o.text,
  }))),
  forge: (r) => ({ ...r, path: r.path.replace(/signature=[0-9a-f]+/, `signature=${'0'.repeat(40)}`) }),
  signedBytes: (ch, body) => sign(ch.path, body),
  userId: (n) => `oConformanceUser${n}`,
  sends: (fake) => fake.to('POST', '/cgi-bin/message/custom/send'),
  sentText: (req) => req.json().text?.content,
  failSendPermanently: (fake, text) => fake.failWhere('POST', '/cgi-bin/message/custom/send', bodyIncludes(text), { status: 200, body: { errcode: 45015, errmsg: 'response out of time limit' } }),
};
