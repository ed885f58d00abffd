// Polling for a condition that other processes or jobs make true, with a clear failure.
import { sleep } from './sockets.js';

/** Resolves once `check` holds; fails after `ms` naming `what`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, ms = 5000, what = 'condition', everyMs = 15): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`${what} not met within ${ms} ms`);
}
