// What WhatsApp Cloud API and Messenger webhooks share, as Meta documents it for both:
// X-Hub-Signature-256 ("sha256=" + hex HMAC-SHA256 of the raw body with the app secret) and
// the GET subscription handshake (hub.mode=subscribe, hub.verify_token, hub.challenge).
import { AppError } from '../../shared/errors.js';
import type { WebhookReply, WebhookRequest } from '../adapter.js';
import { headerValue, hmac } from './hmac.js';
import { safeEqual } from './safe-equal.js';

/** Throws bad_signature unless X-Hub-Signature-256 is the body's HMAC with this app secret. */
export function verifyMetaSignature(req: WebhookRequest, appSecret: string): void {
  const given = headerValue(req.headers, 'x-hub-signature-256');
  const expected = `sha256=${hmac('sha256', appSecret, req.rawBody, 'hex')}`;
  if (!given || !safeEqual(given.toLowerCase(), expected)) {
    throw new AppError('bad_signature', 'The X-Hub-Signature-256 header is missing or does not match this channel\'s app secret.');
  }
}

/**
 * Meta's verification request: echoes hub.challenge when hub.verify_token is the channel's.
 * Anything else is 403, as Meta's own samples answer.
 */
export function metaHandshake(req: WebhookRequest, verifyToken: string): WebhookReply {
  const mode = req.query['hub.mode'];
  const token = req.query['hub.verify_token'];
  const challenge = req.query['hub.challenge'];
  if (mode !== 'subscribe' || !token || !safeEqual(token, verifyToken) || !challenge) {
    return { status: 403, body: { error: { code: 'forbidden', message: 'hub.mode must be "subscribe" and hub.verify_token must be this channel\'s verifyToken.' } } };
  }
  return { status: 200, body: challenge, contentType: 'text/plain' };
}
