// The socket.io server, with the Redis adapter so that any number of processes behind one
// Redis serve the same rooms (an agent on process A gets what process B emits).
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createBatchedRedisAdapter } from './batched-broadcasts.js';
import type { Redis } from 'ioredis';

export async function createSocketServer(http: HttpServer, redis: Redis, key: string): Promise<{ io: Server; close: () => Promise<void> }> {
  // Pipelined: every event this process emits is published here (shared/realtime/broadcaster.ts).
  const pub = redis.duplicate({ connectionName: 'callcenter-sio-pub', enableAutoPipelining: true });
  const sub = redis.duplicate();
  await Promise.all([pub.status === 'wait' ? pub.connect() : undefined, sub.status === 'wait' ? sub.connect() : undefined]);
  const io = new Server(http, {
    adapter: createBatchedRedisAdapter(pub, sub, { key }),
    maxHttpBufferSize: 1_000_000,
    cors: { origin: true, credentials: false },
    serveClient: false,
  });
  return {
    io,
    close: async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      pub.disconnect();
      sub.disconnect();
    },
  };
}
