// A fake Telegram Bot API: POST /bot<token>/<method> for the send methods and getFile (JSON or
// multipart, as the Bot API takes both), and GET /file/bot<token>/<file_path> for downloads.
// Answers and errors have the Bot API's shape ({ok, result} or {ok:false, error_code, description}).
import { FakeHttpServer, type FakeAnswer, type RecordedRequest } from './fake-http-server.js';

const SEND_METHODS = ['sendMessage', 'sendPhoto', 'sendVideo', 'sendAudio', 'sendVoice', 'sendDocument', 'sendLocation'];
const MEDIA_FIELD: Record<string, string> = { sendPhoto: 'photo', sendVideo: 'video', sendAudio: 'audio', sendVoice: 'voice', sendDocument: 'document' };

export interface TelegramCall { method: string; fields: Record<string, string>; upload?: { field: string; fileName: string; bytes: Buffer; type: string } }

const error = (code: number, description: string, extra: object = {}): FakeAnswer => ({ status: code, body: { ok: false, error_code: code, description, ...extra } });

export class FakeTelegramServer extends FakeHttpServer {
  /** Downloadable files by file_id: their file_path and bytes. */
  readonly files = new Map<string, { path: string; bytes: Buffer }>();
  /** Chats that blocked the bot (403 on every send). */
  readonly blocked = new Set<string>();
  /** Every accepted send, decoded. */
  readonly calls: TelegramCall[] = [];
  private messageId = 1000;
  /** The message_id the next accepted send gets (a platform that hands out an id we saw before). */
  nextMessageId?: number;

  constructor(readonly botToken: string) {
    super();
    this.route('POST', '/bot:token/:method', (req, p) => this.method(req, p.token, p.method));
    this.route('GET', '/file/bot:token/:dir/:name', (_req, p) => {
      if (p.token !== this.botToken) return error(401, 'Unauthorized');
      const f = [...this.files.values()].find((x) => x.path === `${p.dir}/${p.name}`);
      return f ? { status: 200, body: f.bytes, headers: { 'content-type': 'application/octet-stream' } } : error(404, 'Not Found');
    });
  }

  /** Sends carrying this text (in text or caption). */
  sendsWith(text: string): TelegramCall[] { return this.calls.filter((c) => c.fields.text === text || c.fields.caption === text); }

  private async method(req: RecordedRequest, token: string, method: string): Promise<FakeAnswer> {
    if (token !== this.botToken) return error(401, 'Unauthorized');
    const call = await decode(req, method);
    if (!call) return error(400, 'Bad Request: the request body could not be read');
    if (method === 'getFile') {
      const f = this.files.get(call.fields.file_id ?? '');
      return f ? { status: 200, body: { ok: true, result: { file_id: call.fields.file_id, file_unique_id: 'u', file_size: f.bytes.length, file_path: f.path } } } : error(400, 'Bad Request: invalid file_id');
    }
    if (!SEND_METHODS.includes(method)) return error(404, 'Not Found');
    const chat = call.fields.chat_id ?? '';
    if (!/^-?\d+$/.test(chat)) return error(400, 'Bad Request: chat not found');
    if (this.blocked.has(chat)) return error(403, 'Forbidden: bot was blocked by the user');
    if (method === 'sendMessage') {
      if (!call.fields.text) return error(400, 'Bad Request: message text is empty');
      if (call.fields.text.length > 4096) return error(400, 'Bad Request: message is too long');
    }
    if ((call.fields.caption ?? '').length > 1024) return error(400, 'Bad Request: message caption is too long');
    const field = MEDIA_FIELD[method];
    if (field && !call.fields[field] && call.upload?.field !== field) return error(400, `Bad Request: there is no ${field} in the request`);
    if (method === 'sendLocation' && (call.fields.latitude === undefined || call.fields.longitude === undefined)) return error(400, 'Bad Request: wrong latitude or longitude');
    this.calls.push(call);
    const id = this.nextMessageId ?? ++this.messageId;
    this.nextMessageId = undefined;
    return { status: 200, body: { ok: true, result: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: Number(chat), type: 'private' } } } };
  }
}

/** A Bot API call's parameters, from a JSON or a multipart/form-data body. */
async function decode(req: RecordedRequest, method: string): Promise<TelegramCall | null> {
  const type = String(req.headers['content-type'] ?? '');
  try {
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': type } }).formData();
      const fields: Record<string, string> = {};
      let upload: TelegramCall['upload'];
      for (const [k, v] of form as unknown as Iterable<[string, string | File]>) {
        if (typeof v === 'string') fields[k] = v;
        else upload = { field: k, fileName: v.name, bytes: Buffer.from(await v.arrayBuffer()), type: v.type };
      }
      return { method, fields, upload };
    }
    const b = req.body.length ? req.json() : {};
    return { method, fields: Object.fromEntries(Object.entries(b).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) };
  } catch {
    return null;
  }
}
