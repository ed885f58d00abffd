// Emits socket.io events to browsers from any process, through Redis (socket.io's emitter),
// so that a switch running alone still reaches agents connected to another process.
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import { rooms, type AgentServerEvents, type CustomerServerEvents, type SupervisorServerEvents } from '../types/socket-events.js';

type Args<M, E extends keyof M> = M[E] extends (...a: infer A) => void ? A : never;

export class Broadcaster {
  private readonly agent: Emitter<AgentServerEvents>;
  private readonly customer: Emitter<CustomerServerEvents>;
  private readonly supervisor: Emitter<SupervisorServerEvents>;

  constructor(private readonly redis: Redis, key: string) {
    redis.on('error', () => { /* reported by the main connection, which shares its fate */ });
    const root = new Emitter(redis, { key });
    this.agent = root.of('/agent') as unknown as Emitter<AgentServerEvents>;
    this.customer = root.of('/customer') as unknown as Emitter<CustomerServerEvents>;
    this.supervisor = root.of('/supervisor') as unknown as Emitter<SupervisorServerEvents>;
  }

  toAgent<E extends keyof AgentServerEvents>(agentId: string, event: E, ...args: Args<AgentServerEvents, E>): void {
    (this.agent.to(rooms.agent(agentId)).emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }

  toCustomer<E extends keyof CustomerServerEvents>(customerId: string, event: E, ...args: Args<CustomerServerEvents, E>): void {
    (this.customer.to(rooms.customer(customerId)).emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }

  toSupervisors<E extends keyof SupervisorServerEvents>(tenantId: string, event: E, ...args: Args<SupervisorServerEvents, E>): void {
    (this.supervisor.to(rooms.tenantSupervisors(tenantId)).emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }

  close(): void { this.redis.disconnect(); }

  /** Makes every socket in one room join another (on whichever process holds it). */
  agentSocketsJoin(agentId: string, room: string): void { this.agent.in(rooms.agent(agentId)).socketsJoin(room); }
}
