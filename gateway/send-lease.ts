// Who may call a platform for one outbound message: one sender at a time, in any process. A fresh
// reply is sent at once by the process that stored it, a retry or a recovery by its job; each
// takes this lease first, so that a job never sends a message that is being sent. The lease is a
// Redis key holding its sender's token, renewed while the send lasts, so a process that dies frees it
// within LEASE_MS. Releasing it (only if still ours) also removes the message's sent marker, in
// the same script: both keys carry the message id as their hash tag, so they share a slot.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Context } from '../shared/context.js';

export const LEASE_MS = 30_000;
const RENEW_EVERY_MS = LEASE_MS / 3;
/** Tokens are this process's random id and a counter: unique across processes, and cheap. */
const PROCESS_TOKEN = randomBytes(9).toString('base64url');
let leases = 0;

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
const ABANDON = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
/** KEYS[1] the lease, KEYS[2] the sent marker: the lease goes if still ours, the marker in any case (the outcome is recorded). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end return redis.call('del', KEYS[2])`;

export interface SendLease {
  /** Frees the lease if it is still ours, and removes the sent marker (the database has the outcome now). */
  release(): Promise<void>;
  /** Frees the lease if it is still ours and keeps the marker: the outcome is not recorded yet. */
  abandon(): Promise<void>;
  /** Runs work with the lease held; if the work throws, the lease is abandoned (or left to expire) and the error goes on. */
  guard<T>(work: () => Promise<T>): Promise<T>;
}

export function sendingKey(ctx: Context, messageId: string): string { return ctx.key('outbound-sending', `{${messageId}}`); }
export function sentMarkerKey(ctx: Context, messageId: string): string { return ctx.key('outbound-sent', `{${messageId}}`); }

/** The lease on a message's send, or null while another sender holds it. */
export async function takeSendLease(ctx: Context, messageId: string): Promise<SendLease | null> {
  const key = sendingKey(ctx, messageId);
  const token = `${PROCESS_TOKEN}:${++leases}`;
  if ((await ctx.redis.set(key, token, 'PX', LEASE_MS, 'NX')) !== 'OK') return null;
  const r = scripts(ctx.redis);
  const renew = setInterval(() => {
    r.cc_lease_renew(key, token, LEASE_MS).catch((err: Error) => ctx.logger.warn({ err: err.message, messageId }, 'could not renew a send lease'));
  }, RENEW_EVERY_MS);
  renew.unref();
  const lease: SendLease = {
    release: async () => {
      clearInterval(renew);
      await r.cc_lease_release(key, sentMarkerKey(ctx, messageId), token);
    },
    abandon: async () => {
      clearInterval(renew);
      await r.cc_lease_abandon(key, token);
    },
    guard: async (work) => {
      try {
        return await work();
      } catch (err) {
        await lease.abandon().catch(() => { /* it expires */ });
        throw err;
      }
    },
  };
  return lease;
}

interface LeaseCommands {
  cc_lease_renew(key: string, token: string, ms: number): Promise<number>;
  cc_lease_release(key: string, marker: string, token: string): Promise<number>;
  cc_lease_abandon(key: string, token: string): Promise<number>;
}

function scripts(redis: Redis): LeaseCommands {
  const r = redis as unknown as Partial<LeaseCommands>;
  if (!r.cc_lease_renew) redis.defineCommand('cc_lease_renew', { numberOfKeys: 1, lua: RENEW });
  if (!r.cc_lease_release) redis.defineCommand('cc_lease_release', { numberOfKeys: 2, lua: RELEASE });
  if (!r.cc_lease_abandon) redis.defineCommand('cc_lease_abandon', { numberOfKeys: 1, lua: ABANDON });
  return redis as unknown as LeaseCommands;
}
