// Twilio webhooks in: X-Twilio-Signature (base64 HMAC-SHA1, with the auth token, of the URL
// Twilio called followed by every POST field, sorted, name then value), then the form fields
// as an incoming SMS/MMS or a delivery status. Answered with empty TwiML.
import { AppError } from '../../../shared/errors.js';
import type { DeliveryStatus, InboundEvent, MessageType } from '../../../shared/types/message.js';
import type { ChannelRuntime, WebhookReply, WebhookRequest } from '../../adapter.js';
import { headerValue, hmac } from '../../verify/hmac.js';
import { safeEqual } from '../../verify/safe-equal.js';
import { formFields, parseFormBody } from '../../webhook-body/parse-form.js';
import { twilioSettings } from './config.js';
import { describeTwilioCode } from './error-codes.js';
import type { TwilioIncoming } from './types.js';

const WHAT = 'A Twilio webhook';
const MAX_MEDIA = 10; // Twilio's own limit per message

/** The signed string: Twilio signs the exact URL it was configured with, query string included. */
export function twilioSignature(authToken: string, url: string, fields: [string, string][]): string {
  const sorted = [...fields].sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return hmac('sha1', authToken, url + sorted.map(([k, v]) => k + v).join(''), 'base64');
}

export function verifyTwilio(req: WebhookRequest, ch: ChannelRuntime): void {
  const given = headerValue(req.headers, 'x-twilio-signature');
  const query = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const url = ch.webhookUrl + (query ? `?${query}` : '');
  const expected = twilioSignature(twilioSettings(ch).authToken, url, formFields(req));
  if (!given || !safeEqual(given, expected)) throw new AppError('bad_signature', 'The X-Twilio-Signature header is missing or does not match this channel\'s auth token and webhook URL.');
}

export function parseTwilio(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[] {
  const f = parseFormBody(req, WHAT) as Record<string, string | undefined>;
  if (!/^[A-Z]{2}[0-9a-fA-F]{32}$/.test(f.MessageSid ?? '')) throw new AppError('validation_failed', `${WHAT} needs a MessageSid.`);
  // Spread last in each event, never first (see WebhookHandler.parse in adapter.ts).
  const base = { channelId: ch.channel.id, platform: 'twilio_sms' as const, occurredAt: new Date() };
  const status = f.MessageStatus;
  if (status && status !== 'received' && status !== 'receiving') {
    const mapped = STATUS[status];
    if (!mapped) return []; // queued, sending, accepted, scheduled: nothing the agent needs yet
    const error = mapped === 'failed' ? (status === 'canceled' ? 'Twilio canceled the message' : describeTwilioCode(f.ErrorCode, f.ErrorMessage)) : undefined;
    return [{
      kind: 'status', externalUserId: f.To ?? '', externalMessageId: `${f.MessageSid}:${status}`,
      status: { externalMessageId: f.MessageSid!, status: mapped, ...(error ? { error } : {}) }, ...base,
    }];
  }
  return [incoming(f as TwilioIncoming, base)];
}

const STATUS: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', undelivered: 'failed', failed: 'failed', canceled: 'failed' };

function incoming(f: TwilioIncoming, base: Pick<InboundEvent, 'channelId' | 'platform' | 'occurredAt'>): InboundEvent {
  if (!f.From) throw new AppError('validation_failed', `${WHAT} needs From.`);
  const n = Number(f.NumMedia ?? 0);
  if (!Number.isInteger(n) || n < 0 || n > MAX_MEDIA) throw new AppError('validation_failed', `${WHAT}: NumMedia must be a whole number from 0 to ${MAX_MEDIA}.`);
  const media = Array.from({ length: n }, (_, i) => {
    const url = f[`MediaUrl${i}`];
    if (!url || !/^https?:\/\//.test(url)) throw new AppError('validation_failed', `${WHAT}: MediaUrl${i} is missing or not a URL.`);
    const mimeType = f[`MediaContentType${i}`];
    return { url, platformRef: url, ...(mimeType ? { mimeType } : {}) };
  });
  const text = f.Body ? { text: f.Body } : {};
  const profile = f.ProfileName ? { profile: { displayName: f.ProfileName } } : {};
  const event = { kind: 'message' as const, externalUserId: f.From, externalMessageId: f.MessageSid, ...profile, ...base };
  if (media.length) return { message: { type: typeOf(media[0].mimeType), media, ...text }, ...event };
  const latitude = Number(f.Latitude);
  const longitude = Number(f.Longitude);
  if (f.Latitude && f.Longitude && Number.isFinite(latitude) && Number.isFinite(longitude)) {
    // WhatsApp senders on Twilio share locations as Latitude/Longitude fields.
    const name = f.Label || f.Address;
    return { message: { type: 'location', location: { latitude, longitude, ...(name ? { name } : {}) }, ...text }, ...event };
  }
  return { message: { type: 'text', text: f.Body ?? '' }, ...event };
}

function typeOf(mime: string | undefined): MessageType {
  const top = (mime ?? '').split('/')[0];
  return top === 'image' ? 'image' : top === 'video' ? 'video' : top === 'audio' ? 'audio' : 'file';
}

/** Empty TwiML: received, no automatic answer (agents answer through the REST API later). */
export function replyTwilio(): WebhookReply {
  return { status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', contentType: 'text/xml' };
}
