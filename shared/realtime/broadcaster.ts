// Emits socket.io events to browsers from any process, through Redis (socket.io's emitter),
// so that a switch running alone still reaches agents connected to another process. A process
// that serves the sockets itself emits through its own socket.io server instead: its Redis
// adapter delivers to the sockets connected here at once and publishes for the other processes,
// where the emitter would make even a socket on this process wait for the round trip through Redis.
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import { rooms, type AgentServerEvents, type CustomerServerEvents, type SupervisorServerEvents } from '../types/socket-events.js';

type Args<M, E extends keyof M> = M[E] extends (...a: infer A) => void ? A : never;
type Namespace = '/agent' | '/customer' | '/supervisor';
/** What both the emitter and a socket.io server offer for a room. */
interface RoomTarget { emit(event: string, ...args: unknown[]): unknown; socketsJoin(room: string): void }

export class Broadcaster {
  private readonly emitter: Emitter;
  private io: Server | null = null;

  constructor(private readonly redis: Redis, key: string) {
    redis.on('error', () => { /* reported by the main connection, which shares its fate */ });
    this.emitter = new Emitter(redis, { key });
  }

  /**
   * From now on emit through this process's socket.io server (it must use the Redis adapter
   * with the same key, as shared/realtime/socket-server.ts makes it); `null` before it closes,
   * to go back to the emitter.
   */
  serveFrom(io: Server | null): void { this.io = io; }

  toAgent<E extends keyof AgentServerEvents>(agentId: string, event: E, ...args: Args<AgentServerEvents, E>): void {
    this.room('/agent', rooms.agent(agentId)).emit(event, ...args);
  }

  toCustomer<E extends keyof CustomerServerEvents>(customerId: string, event: E, ...args: Args<CustomerServerEvents, E>): void {
    this.room('/customer', rooms.customer(customerId)).emit(event, ...args);
  }

  toSupervisors<E extends keyof SupervisorServerEvents>(tenantId: string, event: E, ...args: Args<SupervisorServerEvents, E>): void {
    this.room('/supervisor', rooms.tenantSupervisors(tenantId)).emit(event, ...args);
  }

  close(): void { this.redis.disconnect(); }

  /** Makes every socket in one room join another (on whichever process holds it). */
  agentSocketsJoin(agentId: string, room: string): void { this.room('/agent', rooms.agent(agentId)).socketsJoin(room); }

  private room(nsp: Namespace, room: string): RoomTarget {
    return (this.io ? this.io.of(nsp).to(room) : this.emitter.of(nsp).to(room)) as unknown as RoomTarget;
  }
}
