import { EntitySchema } from 'typeorm';
import type { ConversationStatus } from '../../types/api.js';
import { idColumn, refColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

export interface Conversation {
  id: string; tenantId: string; channelId: string; customerId: string;
  status: ConversationStatus; queueId: string | null; agentId: string | null; priority: number;
  createdAt: Date; updatedAt: Date; closedAt: Date | null; disposition: string | null;
  lastMessageAt: Date | null; queuedAt: Date | null; assignedAt: Date | null;
  /** Nobody could take it: the autoresponder took a message ('leave-message') instead. */
  unattended?: string | null;
}

export const ConversationEntity = new EntitySchema<Conversation>({
  name: 'Conversation', tableName: 'conversations',
  columns: {
    id: idColumn,
    tenantId: tenantColumn,
    channelId: { ...refColumn(), name: 'channel_id' },
    customerId: { ...refColumn(), name: 'customer_id' },
    status: textColumn(16),
    queueId: { ...refColumn(true), name: 'queue_id' },
    agentId: { ...refColumn(true), name: 'agent_id' },
    priority: { type: 'int' },
    createdAt: { ...timeColumn(), name: 'created_at' },
    updatedAt: { ...timeColumn(), name: 'updated_at' },
    closedAt: { ...timeColumn(true), name: 'closed_at' },
    disposition: textColumn(200, true),
    lastMessageAt: { ...timeColumn(true), name: 'last_message_at' },
    queuedAt: { ...timeColumn(true), name: 'queued_at' },
    assignedAt: { ...timeColumn(true), name: 'assigned_at' },
    unattended: textColumn(32, true),
  },
});
