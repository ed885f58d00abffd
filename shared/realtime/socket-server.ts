// The socket.io server, with the Redis adapter so that any number of processes behind one
// Redis serve the same rooms (an agent on process A gets what process B emits).
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createBatchedRedisAdapter } from './batched-broadcasts.js';
import type { Redis } from 'ioredis';

export async function createSocketServer(http: HttpServer, redis: Redis, key: string): Promise<{ io: Server; close: () => Promise<void> }> {
  // Every event this process emits is published here (shared/realtime/broadcaster.ts), one PUBLISH
  // per turn of the event loop (batched-broadcasts.ts). Not autopipelined: that added a pipeline
  // object to each PUBLISH, and V8's heap profiler found those among what reached the old
  // generation (bench:outbound's CPU per reply went down 6% without it and ctx.pipelined).
  const pub = redis.duplicate({ connectionName: 'callcenter-sio-pub' });
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
