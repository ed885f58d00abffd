import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

/** History of every enqueue, offer, assignment, transfer and close, for reports. */
export type RoutingEventKind = 'queued' | 'offered' | 'offer-expired' | 'assigned' | 'picked' | 'transferred' | 'closed' | 'requeued' | 'overflowed';
export interface RoutingEvent {
  id: string; tenantId: string; conversationId: string; kind: RoutingEventKind;
  queueId: string | null; agentId: string | null; note: string | null; createdAt: Date;
  /** Where it came from (transfers, requeues, overflows). */
  fromAgentId?: string | null; fromQueueId?: string | null;
  /** The wait before an assignment, or the handling time before a close. */
  durationMs?: number | null;
}

export const RoutingEventEntity = new EntitySchema<RoutingEvent>({
  name: 'RoutingEvent', tableName: 'routing_events',
  columns: {
    id: idColumn,
    tenantId: tenantColumn,
    conversationId: { ...refColumn(), name: 'conversation_id' },
    kind: textColumn(16),
    queueId: { ...refColumn(true), name: 'queue_id' },
    agentId: { ...refColumn(true), name: 'agent_id' },
    note: { type: 'text', nullable: true },
    fromAgentId: { ...refColumn(true), name: 'from_agent_id' },
    fromQueueId: { ...refColumn(true), name: 'from_queue_id' },
    durationMs: { type: 'int', nullable: true, name: 'duration_ms' },
    createdAt: { ...timeColumn(), name: 'created_at' },
  },
});
