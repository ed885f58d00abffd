import { EntitySchema } from 'typeorm';
import type { Direction, MessageContent, MessageStatus, MessageType, Sender } from '../../types/message.js';
import { jsonColumn, refColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

/**
 * One message. `seq` is the database's own increasing number: it orders history and lets a
 * reconnecting client catch up "after message X". Inbound messages are unique per
 * (channel, external id), agent messages per (conversation, client message id): the
 * deduplication of DESIGN.md's durability rules is a unique key, not a cache.
 */
export interface Message {
  seq: number; id: string; tenantId: string; conversationId: string; channelId: string;
  direction: Direction; sender: Sender; agentId: string | null; type: MessageType;
  text: string | null; content: Omit<MessageContent, 'type' | 'text'> | null;
  status: MessageStatus; error: string | null;
  externalMessageId: string | null; clientMessageId: string | null; createdAt: Date; updatedAt: Date;
}

export const MessageEntity = new EntitySchema<Message>({
  name: 'Message', tableName: 'messages',
  columns: {
    seq: { type: 'bigint', primary: true, generated: 'increment', transformer: { to: (v) => v, from: (v) => (v == null ? v : Number(v)) } },
    id: { type: 'varchar', length: 36 },
    tenantId: tenantColumn,
    conversationId: { ...refColumn(), name: 'conversation_id' },
    channelId: { ...refColumn(), name: 'channel_id' },
    direction: textColumn(3),
    sender: textColumn(16),
    agentId: { ...refColumn(true), name: 'agent_id' },
    type: textColumn(16),
    text: { type: 'text', nullable: true },
    content: jsonColumn(),
    status: textColumn(16),
    error: { type: 'text', nullable: true },
    externalMessageId: { ...textColumn(191, true), name: 'external_message_id' },
    clientMessageId: { ...textColumn(100, true), name: 'client_message_id' },
    createdAt: { ...timeColumn(), name: 'created_at' },
    updatedAt: { ...timeColumn(), name: 'updated_at' },
  },
});
