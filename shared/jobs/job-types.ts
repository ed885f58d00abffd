// The durable job queues between services, with the payload each carries (typed, so a
// producer and its worker cannot disagree).
import type { Message } from '../db/entities/index.js';
import type { Assignment, QueueTimer, RoutingOutcome } from '../types/routing.js';
import type { DeliveryStatus } from '../types/message.js';

/**
 * What the first run of a send job needs, as the producer stored it: the message (its dates as
 * JSON strings), the agent to tell about its status and the recipient. A retry, or a run taken
 * over from a stalled process, reads the database instead.
 */
export interface OutboundSnapshot {
  message: Omit<Message, 'seq' | 'createdAt' | 'updatedAt'> & { createdAt: string | Date; updatedAt: string | Date };
  agentId: string | null;
  customerId: string;
  externalUserId: string;
}

export interface JobPayloads {
  /** A stored inbound message to act on: route a new conversation or deliver to its agent. */
  'switch-inbound': { messageId: string };
  /** The queue machine claimed an agent for a conversation; the switch records it and tells everyone. */
  'switch-assignment': Assignment;
  /** Other routing outcomes to record and tell about: requeues, expired offers, overflows. */
  'switch-routing': RoutingOutcome;
  /**
   * A platform's delivery status for a message not found yet: the platform may report on a send
   * before its answer to the send reached us and was recorded. Tried again `tries` times at most.
   */
  'switch-status': { channelId: string; externalMessageId: string; status: DeliveryStatus; error?: string; tries: number };
  /** A queue's waiting customers may have moved: tell those whose position or estimate changed (or one customer, whose first text is due). */
  'switch-positions': { tenantId: string; queueId: string; conversationId?: string };
  /** The queue machine's durable timers (delayed jobs): offers, disconnect grace, maximum wait, sticky hold. */
  'queue-timer': QueueTimer;
  /** The periodic check for assignments a process made but did not live to record. */
  'queue-recovery': { at: number };
  /** Supervisors' live figures changed (throttled per tenant). */
  'queue-stats': { tenantId: string };
  /** A stored outbound message to send to its platform. */
  'gateway-outbound': { messageId: string; first?: OutboundSnapshot };
  /** The periodic look for outbound messages stored but never queued (one run per time slot, across processes). */
  'gateway-sweep': { at: number };
  /** An inbound message whose platform attachments are still to be fetched into our store. */
  'media-fetch': { messageId: string };
}
export type JobQueueName = keyof JobPayloads;
