// A fake WeChat API: /cgi-bin/token (appid/secret checked), the customer service send API
// (access_token checked, errcodes on demand) and media/get (bytes, video_url or errcode JSON).
import { FakeHttpServer, type FakeAnswer, type RecordedRequest } from './fake-http-server.js';

export class FakeWechatServer extends FakeHttpServer {
  tokensIssued = 0;
  private valid = new Set<string>();
  readonly media = new Map<string, { bytes: Buffer; mimeType: string } | { videoUrl: string }>();

  constructor(readonly appId: string, readonly appSecret: string) {
    super();
    this.route('GET', '/cgi-bin/token', (req) => this.token(req));
    this.route('POST', '/cgi-bin/message/custom/send', (req) => this.send(req));
    this.route('GET', '/cgi-bin/media/get', (req) => this.mediaGet(req));
    this.route('POST', '/cgi-bin/media/upload', (req) => this.upload(req));
    this.route('GET', '/video-cdn/:name', () => ({ status: 200, body: Buffer.from('MP4-BYTES'), headers: { 'content-type': 'video/mp4' } }));
  }

  /** What media/upload received, by the media_id it gave. */
  readonly uploads = new Map<string, { type: string; fileName: string; bytes: Buffer; mimeType: string }>();

  /** Every token issued so far stops working, as when WeChat expires them. */
  expireTokens(): void { this.valid.clear(); }

  private token(req: RecordedRequest): FakeAnswer {
    const q = req.query;
    if (q.get('grant_type') !== 'client_credential') return ok({ errcode: 40002, errmsg: 'invalid grant_type' });
    if (q.get('appid') !== this.appId) return ok({ errcode: 40013, errmsg: 'invalid appid' });
    if (q.get('secret') !== this.appSecret) return ok({ errcode: 40125, errmsg: 'invalid appsecret' });
    const token = `ACCESS_TOKEN_${++this.tokensIssued}`;
    this.valid.add(token);
    return ok({ access_token: token, expires_in: 7200 });
  }

  private tokenError(req: RecordedRequest): FakeAnswer | undefined {
    const t = req.query.get('access_token') ?? '';
    if (!t) return ok({ errcode: 41001, errmsg: 'access_token missing' });
    if (!this.valid.has(t)) return ok({ errcode: /^ACCESS_TOKEN_\d+$/.test(t) ? 42001 : 40001, errmsg: 'access_token expired' });
    return undefined;
  }

  private send(req: RecordedRequest): FakeAnswer {
    const bad = this.tokenError(req);
    if (bad) return bad;
    let b: any;
    try { b = req.json(); } catch { return ok({ errcode: 47001, errmsg: 'data format error' }); }
    if (typeof b.touser !== 'string' || !b.touser) return ok({ errcode: 40003, errmsg: 'invalid openid' });
    if (b.msgtype === 'text') {
      if (typeof b.text?.content !== 'string') return ok({ errcode: 40008, errmsg: 'invalid message type' });
    } else if (['image', 'voice', 'video'].includes(b.msgtype)) {
      const u = this.uploads.get(b[b.msgtype]?.media_id ?? '');
      if (!u || u.type !== b.msgtype) return ok({ errcode: 40007, errmsg: 'invalid media_id' });
    } else {
      return ok({ errcode: 40008, errmsg: 'invalid message type' });
    }
    return ok({ errcode: 0, errmsg: 'ok' });
  }

  /** media/upload: multipart field "media"; type image (10 MB), voice (2 MB), video (10 MB) or thumb (64 KB). */
  private async upload(req: RecordedRequest): Promise<FakeAnswer> {
    const bad = this.tokenError(req);
    if (bad) return bad;
    const type = req.query.get('type') ?? '';
    const limits: Record<string, number> = { image: 10 << 20, voice: 2 << 20, video: 10 << 20, thumb: 64 << 10 };
    if (!limits[type]) return ok({ errcode: 40004, errmsg: 'invalid media type' });
    let file: { name: string; bytes: Buffer; type: string } | undefined;
    try {
      const form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': String(req.headers['content-type'] ?? '') } }).formData();
      const f = form.get('media');
      if (f && typeof f !== 'string') file = { name: f.name, bytes: Buffer.from(await f.arrayBuffer()), type: f.type };
    } catch { /* not multipart */ }
    if (!file) return ok({ errcode: 41005, errmsg: 'media data missing' });
    if (file.bytes.length > limits[type]) return ok({ errcode: 40006, errmsg: 'invalid media size' });
    const id = `MEDIA_${type}_${this.uploads.size + 1}`;
    this.uploads.set(id, { type, fileName: file.name, bytes: file.bytes, mimeType: file.type });
    return ok({ type, media_id: id, created_at: Math.floor(Date.now() / 1000) });
  }

  private mediaGet(req: RecordedRequest): FakeAnswer {
    const bad = this.tokenError(req);
    if (bad) return bad;
    const m = this.media.get(req.query.get('media_id') ?? '');
    if (!m) return { status: 200, body: JSON.stringify({ errcode: 40007, errmsg: 'invalid media_id' }), headers: { 'content-type': 'text/plain' } };
    if ('videoUrl' in m) return ok({ video_url: m.videoUrl });
    return { status: 200, body: m.bytes, headers: { 'content-type': m.mimeType, 'content-disposition': 'attachment; filename="MEDIA_ID.jpg"' } };
  }
}

const ok = (body: object): FakeAnswer => ({ status: 200, body });
