// socket.io's Redis adapter publishes every broadcast as a PUBLISH of its own, so that the other
// processes can deliver it to their sockets. A group commit acknowledges thirty webhooks at once
// and tells thirty agents: thirty commands to build and write, thirty replies to parse, and thirty
// copies of our own messages back from Redis. That was about a tenth of the ingest path's CPU.
//
// This adapter publishes the broadcasts of one turn of the event loop together. A turn with one
// broadcast publishes it exactly as the Redis adapter does (to the room's channel, in its format);
// a turn with several publishes one message, [uid, "batch", [room, message, room, message...]],
// to the channel of a room no socket can be in (`#batch`), where each message is what the adapter
// would have published alone. A receiver hands each one to the adapter as if it had come alone
// on its room's channel, so the adapter's own checks (a room this process has, the namespace, its
// own copies) run as before, and messages for rooms it has no socket in are never decoded.
//
// Order: a process's broadcasts reach the other processes in the order they were made. A request
// to the other processes (fetchSockets, socketsJoin) made in the same turn is published at once,
// so it can arrive before broadcasts made just before it; nothing of ours depends on that order.
// A process running an adapter without batching ignores batches (to it, `#batch` is a room it
// does not have): during a rolling upgrade from such a version, its sockets miss what the new
// processes broadcast under load until it is upgraded too.
import { RedisAdapter, type RedisAdapterOptions } from '@socket.io/redis-adapter';
import type { Namespace } from 'socket.io';
import type { Redis } from 'ioredis';
import { OwnEchoParser } from './skip-own-echo.js';

type BroadcastOptions = Parameters<RedisAdapter['broadcast']>[1];
type OnMessage = (this: RedisAdapter, pattern: unknown, channel: string | Buffer, msg: Buffer) => void;

/** A room name no socket has: socket ids and our rooms (agent:…, tenant:…) never start with '#'. */
const BATCH_ROOM = '#batch';
const BATCH = 'batch';

// The adapter's handler of a message from Redis (private in its types, bound in its constructor),
// and socket.io's in-memory broadcast to this process's own sockets, which the adapter extends.
const redisOnMessage = (RedisAdapter.prototype as unknown as { onmessage: OnMessage }).onmessage;
const localBroadcast = (Object.getPrototypeOf(RedisAdapter.prototype) as RedisAdapter).broadcast;

/**
 * socket.io's adapter factory: Redis, with copies of this process's own broadcasts dropped before
 * decoding (skip-own-echo.ts) and the broadcasts of one turn published together.
 */
export function createBatchedRedisAdapter(pub: Redis, sub: Redis, opts: Partial<RedisAdapterOptions>): (nsp: Namespace) => BatchedRedisAdapter {
  // socket.io calls it with `new`: a function, not an arrow.
  return function adapterFor(nsp: Namespace) {
    const parser = new OwnEchoParser();
    const adapter = new BatchedRedisAdapter(nsp, pub, sub, { ...opts, parser });
    parser.own(String(adapter.uid));
    return adapter;
  };
}

export class BatchedRedisAdapter extends RedisAdapter {
  /** Broadcasts of this turn not published yet: the room's channel, then the message as the adapter publishes it. */
  private pending: (string | Buffer)[] = [];
  /** Messages published, and how many broadcasts they carried: for tests and metrics. */
  readonly published = { messages: 0, broadcasts: 0 };

  constructor(nsp: Namespace, pub: Redis, sub: Redis, opts: Partial<RedisAdapterOptions>) {
    super(nsp, pub, sub, opts);
  }

  /** As RedisAdapter.broadcast, except that the message waits for the end of this turn. */
  override broadcast(packet: { nsp?: string }, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    if (!opts.flags?.local) {
      const rawOpts = { rooms: [...opts.rooms], except: [...new Set(opts.except)], flags: opts.flags };
      const room = opts.rooms.size === 1 ? `${opts.rooms.keys().next().value}#` : '';
      if (!this.pending.length) process.nextTick(() => this.flush());
      this.pending.push(this.channelName + room, this.parser.encode([this.uid, packet, rawOpts]) as Buffer);
    }
    localBroadcast.call(this, packet, opts);
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    this.published.messages++;
    this.published.broadcasts += batch.length / 2;
    if (batch.length === 2) {
      this.pubClient.publish(batch[0], batch[1]);
      return;
    }
    // The rooms go without the channel's prefix, which every receiver of this channel knows.
    const items = batch.map((x, i) => (i % 2 ? x : (x as string).slice(this.channelName.length)));
    this.pubClient.publish(this.batchChannel, this.parser.encode([this.uid, BATCH, items]));
  }

  private get channelName(): string { return (this as unknown as { channel: string }).channel; }
  private get batchChannel(): string { return `${this.channelName}${BATCH_ROOM}#`; }

  /** A message from Redis on this namespace's channels: a batch is handed to the adapter one broadcast at a time. */
  receive(pattern: unknown, channel: string | Buffer, msg: Buffer): void {
    if (String(channel) !== this.batchChannel) {
      redisOnMessage.call(this, pattern, channel, msg);
      return;
    }
    let decoded: unknown;
    try {
      decoded = this.parser.decode(msg);
    } catch {
      return; // not ours to understand: ignored, as the adapter ignores what it cannot use
    }
    if (!Array.isArray(decoded) || decoded[0] === this.uid || decoded[1] !== BATCH || !Array.isArray(decoded[2])) return;
    const items = decoded[2] as unknown[];
    for (let i = 0; i + 1 < items.length; i += 2) {
      const room = items[i];
      const message = items[i + 1];
      if (typeof room === 'string' && Buffer.isBuffer(message)) redisOnMessage.call(this, pattern, this.channelName + room, message);
    }
  }
}

// The adapter's constructor binds `this.onmessage` to its subscription: this is what Redis messages reach.
(BatchedRedisAdapter.prototype as unknown as { onmessage: OnMessage }).onmessage = function (this: RedisAdapter, pattern, channel, msg) {
  (this as BatchedRedisAdapter).receive(pattern, channel, msg);
};
