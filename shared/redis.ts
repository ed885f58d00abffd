// Redis connections. One place decides how we connect, so that a down Redis is reported the same way everywhere.
import { Redis } from 'ioredis';
export { Redis };

/** A connection suited to BullMQ and blocking commands: commands wait for a reconnect instead of failing. */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** Connects within a deadline, or throws an Error whose message says what, where and how to fix it. */
export async function connectRedis(client: Redis, url: string, timeoutMs = 3000): Promise<void> {
  const where = new URL(url);
  const hint = `Redis is required (jobs, queues, presence). Start it (redis-server) or set REDIS_URL.`;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Cannot reach Redis at ${where.host} (no answer within ${timeoutMs} ms). ${hint}`)), timeoutMs);
  });
  const swallow = () => {}; // ioredis emits 'error' while retrying; the deadline reports it once
  client.on('error', swallow);
  try {
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
  } catch (err) {
    client.disconnect();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(reason.startsWith('Cannot reach') ? reason : `Cannot reach Redis at ${where.host} (${reason.replace(/\.+$/, '')}). ${hint}`);
  } finally {
    clearTimeout(timer);
  }
}
