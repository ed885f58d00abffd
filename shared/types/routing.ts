// The routing engine's messages between services (job payloads): assignments and offers for the
// switch to record, other routing outcomes, and the queue machine's durable timers.

export type AssignMode = 'assign' | 'offer';

/** An agent was given a conversation (mode 'assign'), or offered it to accept within `offerMs`. */
export interface Assignment {
  tenantId: string; conversationId: string; agentId: string; queueId: string;
  mode?: AssignMode;
  /** When the engine made it (ms); the database keeps the same instant. */
  at?: number;
  /** Identifies this assignment: a stale job for an older one changes nothing. */
  token?: string;
  /** How long the customer had waited (ms). */
  waitMs?: number;
  offerMs?: number;
}

/** One job id per assignment, so that the process that recorded it can withdraw its safety-net job. */
export const assignmentJobId = (a: Assignment) => (a.token ? `asg-${a.conversationId}-${a.token}` : undefined);

export type OverflowReason = 'max-wait' | 'no-agents' | 'queue-full';

/** Everything else the switch records and tells people about. */
export type RoutingOutcome =
  | { kind: 'requeued'; tenantId: string; conversationId: string; queueId: string; fromAgentId: string; at: number; reason: 'agent-gone' }
  | { kind: 'offer-expired'; tenantId: string; conversationId: string; queueId: string; agentId: string; at: number; declined: boolean; agentSetAway: boolean }
  | { kind: 'overflowed'; tenantId: string; conversationId: string; fromQueueId: string; toQueueId: string | null; at: number; reason: OverflowReason };

/** Durable timers: delayed jobs, so that a restart or another process still fires them. */
export type QueueTimer =
  | { kind: 'offer'; tenantId: string; conversationId: string; agentId: string; token: string }
  | { kind: 'grace'; tenantId: string; agentId: string; lostAt: string }
  | { kind: 'max-wait'; tenantId: string; conversationId: string; queueId: string; token: string }
  | { kind: 'hold'; tenantId: string; queueId: string; conversationId: string; token: string };
