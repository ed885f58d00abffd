// The queue machine's own types, and the routing messages it exchanges (shared/types/routing.ts):
// assignments, outcomes and durable timers (delayed jobs, never timers in memory).
import type { AgentStatus } from '../shared/types/api.js';

export type { AssignMode, Assignment, OverflowReason, RoutingOutcome, QueueTimer } from '../shared/types/routing.js';
import type { Assignment, RoutingOutcome, QueueTimer } from '../shared/types/routing.js';

/** A job id per timer, so that scheduling twice is one timer and a cancel finds it. */
export function timerJobId(t: QueueTimer): string {
  switch (t.kind) {
    case 'offer': return `offer-${t.conversationId}-${t.token}`;
    case 'grace': return `grace-${t.agentId}-${t.lostAt}`;
    case 'max-wait': return `wait-${t.conversationId}-${t.token}`;
    case 'hold': return `hold-${t.conversationId}-${t.token}`;
  }
}

/** How the queue machine reaches the rest of the system; index.ts wires it to durable jobs. */
export interface QueueHooks {
  /** Durable jobs for the switch; when this process records them itself at once, the jobs are a delayed safety net. */
  assign(assignments: Assignment[], o: { recordedLocally: boolean }): Promise<void>;
  routed(outcomes: RoutingOutcome[]): Promise<void>;
  schedule(timer: QueueTimer, delayMs: number): Promise<void>;
  cancel(timer: QueueTimer): Promise<void>;
  /** Something a supervisor or a waiting customer sees changed (throttled by the receiver). */
  changed(tenantId: string, queueIds: string[]): void;
}

export interface AgentRouting {
  id: string;
  capacity: number;
  /** Capacity per channel kind, e.g. {chat: 3, voice: 1}; kinds not named use `capacity`. */
  capacities?: Record<string, number>;
  /** Skill name → level (1 and up). */
  skills?: Record<string, number>;
  queueIds: string[];
  status?: AgentStatus;
}

export interface EnqueueRequest {
  tenantId: string; queueId: string; conversationId: string;
  priority?: number;
  /** When the customer first queued (ms): their wait counts from there. */
  enqueuedAt?: number;
  kind?: string;
  customerId?: string;
  platform?: string;
  /** The agent who served this customer last (sticky routing). */
  preferAgentId?: string;
  /** Overflow moves so far, so that two queues falling back on each other cannot loop. */
  hops?: number;
  /** Someone else first, if anyone can (the agent who just transferred it to the queue). */
  avoidAgentId?: string;
}

export interface AgentState { status: AgentStatus; load: number; capacity: number; connected: boolean; loads: Record<string, number> }
