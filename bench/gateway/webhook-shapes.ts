// The signed webhooks the gateway benchmarks send, in the platforms' documented shapes: a
// Telegram Update (secret token header) and a WhatsApp Cloud API notification (X-Hub-Signature-256
// over the body), one text message each. `text` carries the send time for latency figures.
import { createHmac } from 'node:crypto';

export interface WebhookShape {
  platform: 'telegram' | 'whatsapp' | 'line';
  /** The channel's config, with its API pointed at the benchmark's fake platform. */
  config(fakeUrl: string): Record<string, unknown>;
  /** One customer's text message as the platform would POST it. */
  request(path: string, user: number, messageSeq: number, text: string): { path: string; headers: Record<string, string>; body: string };
  /** The path the platform's send API is called on, and the text the call carries. */
  sendPath: RegExp;
  sentText(body: any): string | undefined;
  /** The fake platform's answer to a send. */
  sendAnswer(seq: number): object;
}

const TELEGRAM_TOKEN = '123456:BENCH-telegram-token';
const TELEGRAM_SECRET = 'bench-telegram-secret';

export const telegramShape: WebhookShape = {
  platform: 'telegram',
  config: (fakeUrl) => ({ botToken: TELEGRAM_TOKEN, secretToken: TELEGRAM_SECRET, apiBaseUrl: fakeUrl, timeoutMs: 5000 }),
  request(path, user, seq, text) {
    const chatId = 700_000_000 + user;
    const body = JSON.stringify({
      update_id: 900_000_000 + seq,
      message: {
        message_id: seq, date: Math.floor(Date.now() / 1000), text,
        from: { id: chatId, is_bot: false, first_name: `Bench ${user}`, language_code: 'en' },
        chat: { id: chatId, type: 'private', first_name: `Bench ${user}` },
      },
    });
    return { path, body, headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET } };
  },
  sendPath: /^\/bot[^/]+\/sendMessage$/,
  sentText: (b) => b?.text,
  // Message ids count on in each chat across both directions: ours start above the customers'.
  sendAnswer: (seq) => ({ ok: true, result: { message_id: 2_000_000_000 + seq, date: Math.floor(Date.now() / 1000), chat: { id: 1, type: 'private' }, text: '' } }),
};

const WA_APP_SECRET = 'bench-whatsapp-app-secret';
const WA_PHONE_ID = '106540352242922';

export const whatsappShape: WebhookShape = {
  platform: 'whatsapp',
  config: (fakeUrl) => ({ phoneNumberId: WA_PHONE_ID, accessToken: 'bench-whatsapp-token', appSecret: WA_APP_SECRET, verifyToken: 'bench-verify', apiBaseUrl: fakeUrl, timeoutMs: 5000 }),
  request(path, user, seq, text) {
    const waId = String(15_550_000_000 + user);
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{
        id: '102290129340398',
        changes: [{
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: WA_PHONE_ID },
            contacts: [{ profile: { name: `Bench ${user}` }, wa_id: waId }],
            messages: [{ from: waId, id: `wamid.BENCH${seq.toString(36).toUpperCase()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
          },
        }],
      }],
    });
    const sig = createHmac('sha256', WA_APP_SECRET).update(body).digest('hex');
    return { path, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${sig}` } };
  },
  sendPath: /^\/v[\d.]+\/\d+\/messages$/,
  sentText: (b) => b?.text?.body,
  sendAnswer: (seq) => ({ messaging_product: 'whatsapp', contacts: [{ input: '1', wa_id: '1' }], messages: [{ id: `wamid.OUT${seq}` }] }),
};

const LINE_SECRET = 'bench-line-channel-secret';

/** LINE too (not asked by the benchmarks, but a third batched, signed JSON shape to compare): --platforms line. */
export const lineShape: WebhookShape = {
  platform: 'line',
  config: (fakeUrl) => ({ channelAccessToken: 'bench-line-token', channelSecret: LINE_SECRET, apiBaseUrl: fakeUrl, timeoutMs: 5000 }),
  request(path, user, seq, text) {
    const body = JSON.stringify({
      destination: 'Ubench',
      events: [{
        type: 'message', mode: 'active', timestamp: Date.now(), webhookEventId: `01BENCH${seq}`,
        deliveryContext: { isRedelivery: false }, replyToken: `rt${seq}`,
        source: { type: 'user', userId: `U${user.toString(16).padStart(32, '0')}` },
        message: { id: String(500_000_000_000 + seq), type: 'text', quoteToken: `q${seq}`, text },
      }],
    });
    const sig = createHmac('sha256', LINE_SECRET).update(body).digest('base64');
    return { path, body, headers: { 'content-type': 'application/json', 'x-line-signature': sig } };
  },
  sendPath: /^\/v2\/bot\/message\/push$/,
  sentText: (b) => b?.messages?.[0]?.text,
  sendAnswer: (seq) => ({ sentMessages: [{ id: String(seq), quoteToken: 'q' }] }),
};

/** The shapes a run uses: --platforms telegram,whatsapp (the default) or any of telegram, whatsapp, line. */
export const ALL_SHAPES = [telegramShape, whatsappShape, lineShape];
export const SHAPES = ALL_SHAPES;
export function shapesNamed(list: string | undefined): WebhookShape[] {
  const names = (list ?? 'telegram,whatsapp').split(',').map((x) => x.trim());
  const chosen = ALL_SHAPES.filter((s) => names.includes(s.platform));
  if (chosen.length !== names.length) throw new Error(`--platforms takes telegram, whatsapp and line; got ${list}`);
  return chosen;
}

/** Latency probes: the send time rides in the message text. */
export const stampText = (seq: number, at = Date.now()) => `bench ${seq} @${at}`;
export function stampOf(text: string | undefined): number | undefined {
  const m = text ? /@(\d{13})\b/.exec(text) : null;
  return m ? Number(m[1]) : undefined;
}
