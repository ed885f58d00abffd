// A queue machine on real Redis under its own key prefix, with its hooks recorded instead of
// turned into jobs: tests see every assignment, outcome and timer, and fire timers themselves.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { QueueMachine } from '../../queue-machine/queue-machine.js';
import { configFields, DEFAULT_ROUTING, type QueueRouting } from '../../queue-machine/routing-config.js';
import type { AgentRouting, Assignment, EnqueueRequest, QueueHooks, QueueTimer, RoutingOutcome } from '../../queue-machine/types.js';
import { deleteRedisPrefix } from '../helpers/test-app.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TENANT = 'tenant-1';

export interface Harness {
  qm: QueueMachine;
  redis: Redis;
  prefix: string;
  assigned: Assignment[];
  routed: RoutingOutcome[];
  timers: { timer: QueueTimer; delayMs: number }[];
  cancelled: QueueTimer[];
  /** Another queue machine on its own connection, sharing the same state (another process). */
  another(): QueueMachine;
  queue(id: string, routing?: Partial<QueueRouting>, o?: { priority?: number; skills?: Record<string, number> }): Promise<void>;
  agent(id: string, a: Partial<AgentRouting> & { queueIds: string[] }, status?: 'online' | 'away' | 'offline'): Promise<void>;
  enqueue(conversationId: string, queueId: string, extra?: Partial<EnqueueRequest>): Promise<Assignment[]>;
  /** Who got each conversation, in order: "conv>agent". */
  pairs(): string[];
  timersOf<K extends QueueTimer['kind']>(kind: K): Extract<QueueTimer, { kind: K }>[];
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const prefix = `qmtest-${randomBytes(4).toString('hex')}`;
  const connections: Redis[] = [];
  const h = {} as Harness;
  const hooks: QueueHooks = {
    assign: async (as) => { h.assigned.push(...as); },
    routed: async (os) => { h.routed.push(...os); },
    schedule: async (timer, delayMs) => { h.timers.push({ timer, delayMs }); },
    cancel: async (timer) => { h.cancelled.push(timer); },
    changed: () => {},
  };
  const connect = () => { const r = new Redis(REDIS_URL); connections.push(r); return r; };
  Object.assign(h, {
    redis: connect(), prefix, assigned: [], routed: [], timers: [], cancelled: [],
    another: () => new QueueMachine(connect(), prefix, hooks),
    async queue(id, routing = {}, o = {}) {
      await h.qm.syncQueue(TENANT, id, configFields(o.priority ?? 0, { ...DEFAULT_ROUTING, ...routing }), o.skills ?? {});
    },
    async agent(id, a, status = 'online') {
      await h.qm.syncAgent(TENANT, { capacity: 3, ...a, id });
      await h.qm.setAgentStatus(TENANT, id, status);
    },
    enqueue: (conversationId, queueId, extra = {}) => h.qm.enqueue({ tenantId: TENANT, conversationId, queueId, ...extra }),
    pairs: () => h.assigned.map((a) => `${a.conversationId}>${a.agentId}`),
    timersOf: (kind) => h.timers.map((t) => t.timer).filter((t) => t.kind === kind) as never,
    async close() {
      connections.forEach((c) => c.disconnect());
      await deleteRedisPrefix(prefix);
    },
  } satisfies Partial<Harness>);
  h.qm = new QueueMachine(h.redis, prefix, hooks);
  return h;
}

export const tick = (ms = 2) => new Promise((r) => setTimeout(r, ms));
