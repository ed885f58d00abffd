// WeChat pushes in: the echostr handshake, the signature over token/timestamp/nonce (and in safe
// mode msg_signature over the ciphertext), and the XML message or event as an internal event.
import { AppError } from '../../../shared/errors.js';
import type { InboundEvent, MessageContent } from '../../../shared/types/message.js';
import type { ChannelRuntime, WebhookReply, WebhookRequest } from '../../adapter.js';
import { parseXmlBody, parseXmlDocument, type XmlElement } from '../../webhook-body/parse-xml.js';
import { wechatSettings } from './config.js';
import { checkWechatSignature, decryptWechat } from './msg-crypt.js';
import type { WechatPush } from './types.js';

const WHAT = 'A WeChat push';

/** GET: WeChat checks our server by asking us to echo `echostr` when the signature is right. */
export function wechatHandshake(req: WebhookRequest, ch: ChannelRuntime): WebhookReply {
  checkQuerySignature(req, ch);
  const echo = req.query.echostr;
  if (!echo) throw new AppError('bad_request', 'The WeChat verification request has no echostr.');
  return { status: 200, body: echo, contentType: 'text/plain' };
}

export function verifyWechat(req: WebhookRequest, ch: ChannelRuntime): void {
  checkQuerySignature(req, ch);
  if (!encrypted(req)) return;
  const s = wechatSettings(ch);
  if (!s.encodingAESKey) throw new AppError('bad_signature', 'WeChat sent an encrypted message but this channel has no encodingAESKey; add it to the channel.');
  const { nonce = '', timestamp = '' } = req.query;
  const cipher = envelope(req).Encrypt;
  if (typeof cipher !== 'string' || !cipher) throw new AppError('bad_request', 'The encrypted WeChat push has no <Encrypt> element.');
  if (!checkWechatSignature(req.query.msg_signature, s.token, timestamp, nonce, cipher)) {
    throw new AppError('bad_signature', 'The WeChat msg_signature does not match this channel\'s token.');
  }
}

export function parseWechat(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[] {
  let fields = envelope(req);
  if (encrypted(req)) {
    const s = wechatSettings(ch);
    fields = parseXmlDocument(decryptWechat(s.encodingAESKey!, s.appId, String(fields.Encrypt)), 'xml');
  }
  return [toInbound(textFields(fields), ch)];
}

/** WeChat wants an answer within 5 s; "success" means "received, no passive reply". */
export function replyWechat(): WebhookReply {
  return { status: 200, body: 'success', contentType: 'text/plain' };
}

function checkQuerySignature(req: WebhookRequest, ch: ChannelRuntime): void {
  const { signature, timestamp = '', nonce = '' } = req.query;
  if (!checkWechatSignature(signature, wechatSettings(ch).token, timestamp, nonce)) {
    throw new AppError('bad_signature', 'The WeChat signature is missing or does not match this channel\'s token.');
  }
}

const encrypted = (req: WebhookRequest) => req.query.encrypt_type === 'aes';
const envelope = (req: WebhookRequest) => parseXmlBody(req, 'xml', WHAT);

/** Only the text children: nested elements (menus' SendPicsInfo and the like) are not ours to read. */
function textFields(el: XmlElement): WechatPush {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(el)) if (typeof v === 'string') out[k] = v;
  return out as WechatPush;
}

function toInbound(p: WechatPush, ch: ChannelRuntime): InboundEvent {
  if (!p.FromUserName || !p.MsgType || !/^\d{1,12}$/.test(p.CreateTime ?? '')) {
    throw new AppError('validation_failed', `${WHAT} needs FromUserName, MsgType and a numeric CreateTime.`);
  }
  // Spread last in each event, never first (see WebhookHandler.parse in adapter.ts).
  const base = { channelId: ch.channel.id, platform: 'wechat' as const, externalUserId: p.FromUserName, occurredAt: new Date(Number(p.CreateTime) * 1000) };
  // Messages carry MsgId; events do not, and WeChat's advice is to key them on sender + time.
  const eventKey = `${p.FromUserName}:${p.CreateTime}:${p.Event ?? p.MsgType}`;
  if (p.MsgType === 'event') {
    const ev = (p.Event ?? '').toLowerCase();
    if (ev === 'click') return { kind: 'message', externalMessageId: eventKey, message: { type: 'interactive', text: p.EventKey ?? '', payload: p.EventKey ?? '' }, ...base };
    const name = ev === 'subscribe' ? 'follow' : ev === 'unsubscribe' ? 'unfollow' : ev || 'unknown';
    const payload = ev === 'location' ? `${p.Latitude},${p.Longitude}` : p.EventKey || undefined;
    return { kind: 'event', externalMessageId: eventKey, event: { name, ...(payload ? { payload } : {}) }, ...base };
  }
  return { kind: 'message', externalMessageId: p.MsgId || p.MsgID || eventKey, message: messageContent(p), ...base };
}

const VOICE_TYPES: Record<string, string> = { amr: 'audio/amr', speex: 'audio/speex', mp3: 'audio/mpeg' };

function messageContent(p: WechatPush): MessageContent {
  if (['image', 'voice', 'video', 'shortvideo'].includes(p.MsgType!) && !p.MediaId && !p.PicUrl) {
    throw new AppError('validation_failed', `${WHAT}: a ${p.MsgType} message needs a MediaId.`);
  }
  switch (p.MsgType) {
    case 'text': return { type: 'text', text: p.Content ?? '' };
    case 'image': return { type: 'image', media: [{ platformRef: p.MediaId, ...(p.PicUrl ? { url: p.PicUrl } : {}), mimeType: 'image/jpeg' }] };
    case 'voice': return {
      type: 'audio',
      media: [{ platformRef: p.MediaId, mimeType: VOICE_TYPES[(p.Format ?? '').toLowerCase()] ?? 'audio/amr', ...(p.Recognition ? { transcript: p.Recognition } : {}) }],
    };
    case 'video': case 'shortvideo': return { type: 'video', media: [{ platformRef: p.MediaId, mimeType: 'video/mp4' }] };
    case 'location': {
      const latitude = Number(p.Location_X);
      const longitude = Number(p.Location_Y);
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
        throw new AppError('validation_failed', `${WHAT}: the location has no valid Location_X/Location_Y.`);
      }
      return { type: 'location', ...(p.Label ? { text: p.Label } : {}), location: { latitude, longitude, ...(p.Label ? { name: p.Label } : {}) } };
    }
    case 'link': return { type: 'text', text: [p.Title, p.Description, p.Url].filter(Boolean).join('\n'), ...(p.Url ? { payload: p.Url } : {}) };
    default:
      // A type newer than this adapter: kept, in text form, so that it is never dropped silently.
      return { type: 'text', text: p.Content || `[WeChat ${p.MsgType} message]`, payload: p.MsgType };
  }
}
