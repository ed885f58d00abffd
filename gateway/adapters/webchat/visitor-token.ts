// The web widget's visitor token: names the visitor on one channel, signed so that nobody can
// take another visitor's place. Stateless: no row exists until the visitor writes.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function issueVisitorToken(key: Buffer, channelId: string): { token: string; visitorId: string } {
  const visitorId = `v_${randomBytes(12).toString('base64url')}`;
  return { token: `${visitorId}.${sign(key, channelId, visitorId)}`, visitorId };
}

/** The visitor id of a valid token for this channel, or undefined. */
export function readVisitorToken(key: Buffer, channelId: string, token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length > 200) return undefined;
  const [visitorId, sig] = token.split('.');
  if (!visitorId || !sig || !/^v_[A-Za-z0-9_-]{16}$/.test(visitorId)) return undefined;
  const expected = Buffer.from(sign(key, channelId, visitorId));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? visitorId : undefined;
}

function sign(key: Buffer, channelId: string, visitorId: string): string {
  return createHmac('sha256', key).update(`${channelId}:${visitorId}`).digest('base64url');
}
