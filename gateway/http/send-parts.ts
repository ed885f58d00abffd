// A reply that takes several platform calls (its text, then each attachment) when the platform
// has no idempotency key: the calls already accepted are remembered in Redis, so that a retry
// after a partial failure goes on from where it stopped instead of sending the first parts twice.
import type { Context } from '../../shared/context.js';

const KEEP_SECONDS = 86_400;

/** Sends `parts` in order with `send`; resolves with the platform id of the last one. */
export async function sendInParts<P>(ctx: Context, messageId: string, parts: P[], send: (part: P) => Promise<string>): Promise<string> {
  const key = ctx.key('sent-parts', messageId);
  const saved = parts.length > 1 ? await ctx.redis.get(key) : null;
  const cut = saved ? saved.indexOf('|') : -1;
  let done = cut > 0 ? Number(saved!.slice(0, cut)) : 0;
  let lastId = cut > 0 ? saved!.slice(cut + 1) : '';
  for (; done < parts.length; done++) {
    lastId = await send(parts[done]);
    if (done < parts.length - 1) await ctx.redis.set(key, `${done + 1}|${lastId}`, 'EX', KEEP_SECONDS);
  }
  if (parts.length > 1) await ctx.redis.del(key);
  return lastId;
}
