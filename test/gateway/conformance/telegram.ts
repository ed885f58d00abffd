// The Telegram Bot API in the conformance suite: the fake Bot API, and updates carrying
// setWebhook's secret token in their header (which covers no body, hence its own way to forge).
import type { ConformanceCase } from './contract.js';
import { FakeTelegramServer } from '../../fakes/telegram-server.js';
import { SECRET_HEADER, telegramUpdate } from '../../fixtures/telegram/signing.js';
import { bodyIncludes } from '../../helpers/gateway.js';

export const TOKEN = '110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const SECRET = 'conformance-telegram-secret';
const sign = (path: string, body: Buffer) => ({ path, body, headers: { 'content-type': 'application/json', [SECRET_HEADER]: SECRET } });

export const telegramCase: ConformanceCase<FakeTelegramServer> = {
  platform: 'telegram',
  startFake: () => new FakeTelegramServer(TOKEN).start(),
  config: (fake) => ({ botToken: TOKEN, secretToken: SECRET, apiBaseUrl: fake.url, timeoutMs: 1000 }),
  secrets: ['botToken', 'secretToken'],
  textMessage: (ch, o) => {
    const u = telegramUpdate('text', Number(o.userId));
    u.message.text = o.text;
    return sign(ch.path, Buffer.from(JSON.stringify(u)));
  },
  forge: (r) => ({ ...r, headers: { ...r.headers, [SECRET_HEADER]: 'a-guessed-secret' } }),
  signedBytes: (ch, body) => sign(ch.path, body),
  userId: (n) => String(700_000_000 + n),
  sends: (fake) => fake.to('POST', `/bot${TOKEN}/sendMessage`),
  sentText: (req) => req.json().text,
  failSendPermanently: (fake, text) => fake.failWhere('POST', `/bot${TOKEN}/sendMessage`, bodyIncludes(text),
    { status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } }),
};
