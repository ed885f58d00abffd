// Short-lived signed links to one stored file: for platforms that fetch our media themselves
// (WhatsApp, Messenger, LINE...), and for web chat customers, who have no bearer token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from '../shared/context.js';
import { AppError } from '../shared/errors.js';

export type MediaVariant = 'original' | 'thumbnail';

/** Links to customers and platforms: long enough for a platform's retries or a chat's lifetime on screen. */
export const DEFAULT_LINK_TTL_SECONDS = 24 * 3600;

const keys = new WeakMap<Context, Buffer>();
function keyOf(ctx: Context): Buffer {
  let k = keys.get(ctx);
  if (!k) keys.set(ctx, (k = ctx.secrets.derive('media-url')));
  return k;
}

function signature(ctx: Context, mediaId: string, variant: MediaVariant, exp: number): string {
  return createHmac('sha256', keyOf(ctx)).update(`${mediaId}:${variant}:${exp}`).digest('base64url');
}

/**
 * An absolute URL (PUBLIC_URL) that serves the file without any other credential until it
 * expires. The expiry is rounded up to the minute so that repeated links are equal and cacheable.
 */
export function signedMediaUrl(ctx: Context, mediaId: string, ttlSeconds = DEFAULT_LINK_TTL_SECONDS, variant: MediaVariant = 'original'): string {
  const exp = Math.ceil((Date.now() / 1000 + ttlSeconds) / 60) * 60;
  const v = variant === 'thumbnail' ? '&v=thumb' : '';
  return `${ctx.config.publicUrl}/media/signed/${encodeURIComponent(mediaId)}?exp=${exp}${v}&sig=${signature(ctx, mediaId, variant, exp)}`;
}

/** The variant a signed link names; 403 when the signature is wrong or the link has expired. */
export function verifySignedLink(ctx: Context, mediaId: string, query: Record<string, unknown>): { variant: MediaVariant; expiresAt: number } {
  const exp = Number(query.exp);
  const variant: MediaVariant = query.v === 'thumb' ? 'thumbnail' : 'original';
  const given = Buffer.from(typeof query.sig === 'string' ? query.sig : '');
  const expected = Buffer.from(signature(ctx, mediaId, variant, exp));
  if (!Number.isInteger(exp) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('forbidden', 'This media link is not valid.');
  }
  if (exp * 1000 < Date.now()) throw new AppError('forbidden', 'This media link has expired; load the conversation again for a fresh one.');
  return { variant, expiresAt: exp };
}
