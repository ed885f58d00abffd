// The api channel's webhook: X-Signature "sha256=<hex HMAC-SHA256 of the raw body>" with the
// channel's secret, then one documented JSON message (API.md).
import { AppError } from '../../../shared/errors.js';
import type { InboundEvent } from '../../../shared/types/message.js';
import type { ChannelRuntime, WebhookRequest } from '../../adapter.js';
import { headerValue, hmac } from '../../verify/hmac.js';
import { safeEqual } from '../../verify/safe-equal.js';
import { parseJsonBody } from '../../webhook-body/parse-json.js';
import { apiSettings } from './config.js';
import { apiInbound } from './types.js';

export function apiSignature(secret: string, body: Buffer | string): string {
  return `sha256=${hmac('sha256', secret, body, 'hex')}`;
}

export function verifyApi(req: WebhookRequest, ch: ChannelRuntime): void {
  const given = headerValue(req.headers, 'x-signature')?.trim().toLowerCase();
  if (!given || !safeEqual(given, apiSignature(apiSettings(ch).secret, req.rawBody))) {
    throw new AppError('bad_signature', 'The X-Signature header is missing or is not sha256=<hex HMAC-SHA256 of the body> with this channel\'s secret.');
  }
}

export function parseApi(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[] {
  const b = parseJsonBody(req, apiInbound, 'An api channel message');
  if (!b.text && !b.media?.length && !b.location && !b.payload) throw new AppError('validation_failed', 'An api channel message needs text, media, a location or a payload.');
  if (b.type === 'location' && !b.location) throw new AppError('validation_failed', 'A location message needs location {latitude, longitude}.');
  return [{
    kind: 'message', channelId: ch.channel.id, platform: 'api', externalUserId: b.externalUserId, externalMessageId: b.externalMessageId,
    occurredAt: new Date(),
    message: {
      type: b.type, ...(b.text !== undefined ? { text: b.text } : {}), ...(b.payload ? { payload: b.payload } : {}),
      ...(b.location ? { location: b.location } : {}),
      ...(b.media?.length ? { media: b.media.map((m) => ({ url: m.url, ...(m.mimeType ? { mimeType: m.mimeType } : {}) })) } : {}),
    },
    ...(b.profile?.displayName ? { profile: { displayName: b.profile.displayName } } : {}),
  }];
}
