// Slows down password guessing: after too many failed sign-ins for one account (or from one
// address) within a window, further attempts get 429 with Retry-After. Counted in Redis, so
// every process sees the same count.
import type { Context } from '../../shared/context.js';
import { AppError } from '../../shared/errors.js';

const MAX_FAILURES = 10;
const WINDOW_SECONDS = 15 * 60;

function keys(ctx: Context, tenant: string, email: string, ip: string): string[] {
  return [ctx.key('login-fail', 'account', tenant.toLowerCase(), email.toLowerCase()), ctx.key('login-fail', 'ip', ip)];
}

export async function assertLoginAllowed(ctx: Context, tenant: string, email: string, ip: string): Promise<void> {
  const ks = keys(ctx, tenant, email, ip);
  const counts = await ctx.redis.mget(...ks);
  const limits = [MAX_FAILURES, MAX_FAILURES * 10];
  for (let i = 0; i < ks.length; i++) {
    if (Number(counts[i] ?? 0) >= limits[i]) {
      const ttl = await ctx.redis.ttl(ks[i]);
      throw new AppError('rate_limited', 'Too many failed sign-ins; wait a while and try again.', undefined, Math.max(ttl, 1));
    }
  }
}

export async function recordLoginFailure(ctx: Context, tenant: string, email: string, ip: string): Promise<void> {
  const m = ctx.redis.multi();
  for (const k of keys(ctx, tenant, email, ip)) { m.incr(k); m.expire(k, WINDOW_SECONDS, 'NX'); }
  await m.exec();
}

export async function clearLoginFailures(ctx: Context, tenant: string, email: string): Promise<void> {
  await ctx.redis.del(keys(ctx, tenant, email, '')[0]);
}
