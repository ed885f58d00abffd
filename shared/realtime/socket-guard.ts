// Wraps a socket event handler: validates its payload with a schema, runs it, and answers the
// acknowledgement with {ok:true,...} or {ok:false,error}. Nothing a client sends can crash us.
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import { AppError, toAppError } from '../errors.js';
import { parseInput } from '../http/validate.js';

type AckFn = (reply: unknown) => void;

export function guarded<S extends z.ZodType, R extends object>(
  logger: Logger, event: string, schema: S, handler: (input: z.infer<S>) => Promise<R>,
): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const ack: AckFn = typeof args[args.length - 1] === 'function' ? (args.pop() as AckFn) : () => {};
    Promise.resolve()
      .then(() => handler(parseInput(schema, args[0], `${event} payload`)))
      .then((result) => ack({ ok: true, ...result }))
      .catch((err) => {
        const e = toAppError(err);
        if (e.code === 'internal') logger.error({ err, event }, 'socket handler failed');
        ack({ ok: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
      });
  };
}

/** A small per-connection rate limit: `max` events per `windowMs`, then an error ack. */
export function rateLimiter(max: number, windowMs: number): () => void {
  let windowStart = Date.now();
  let count = 0;
  return () => {
    const now = Date.now();
    if (now - windowStart > windowMs) { windowStart = now; count = 0; }
    if (++count > max) throw new AppError('rate_limited', `Slow down: at most ${max} messages every ${windowMs / 1000} s.`, undefined, Math.ceil(windowMs / 1000));
  };
}
