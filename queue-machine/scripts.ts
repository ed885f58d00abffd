// Loads the queue machine's Lua scripts once and calls them by name (as BullMQ's scripts.ts).
// Each script is one atomic step of the routing engine; its contract is in its header.
import fs from 'node:fs';
import type { Redis } from 'ioredis';

const KEY_COUNTS = {
  'enqueue': 4,
  'assign-next': 1,
  'release': 2,
  'claim-conversation': 2,
  'accept-offer': 2,
  'expire-offer': 2,
  'requeue-agent': 3,
  'overflow': 2,
  'tell-positions': 1,
  'confirm': 1,
} as const;
export type ScriptName = keyof typeof KEY_COUNTS;

const sources = new Map<ScriptName, string>(
  (Object.keys(KEY_COUNTS) as ScriptName[]).map((n) => [n, fs.readFileSync(new URL(`./lua/${n}.lua`, import.meta.url), 'utf8')]),
);

/** Runs a named script with EVALSHA, loading it on first use on each connection. */
export async function runScript<T = unknown>(redis: Redis, name: ScriptName, keys: string[], args: (string | number)[]): Promise<T> {
  const cmd = `qm_${name.replace(/-/g, '_')}`;
  const r = redis as unknown as Record<string, (...a: unknown[]) => Promise<T>>;
  if (typeof r[cmd] !== 'function') redis.defineCommand(cmd, { numberOfKeys: KEY_COUNTS[name], lua: sources.get(name)! });
  if (keys.length !== KEY_COUNTS[name]) throw new Error(`script ${name} takes ${KEY_COUNTS[name]} keys`);
  return r[cmd](...keys, ...args);
}
