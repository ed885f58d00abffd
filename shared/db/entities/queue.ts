import { EntitySchema } from 'typeorm';
import { type JsonObject, idColumn, jsonColumn, refColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

export interface Queue { id: string; tenantId: string; name: string; skills: string[]; priority: number; settings: JsonObject; createdAt: Date }
export interface QueueMember { queueId: string; userId: string; tenantId: string }

export const QueueEntity = new EntitySchema<Queue>({
  name: 'Queue', tableName: 'queues',
  columns: {
    id: idColumn,
    tenantId: tenantColumn,
    name: textColumn(200),
    skills: jsonColumn(false),
    priority: { type: 'int' },
    settings: jsonColumn(false),
    createdAt: { ...timeColumn(), name: 'created_at' },
  },
});

export const QueueMemberEntity = new EntitySchema<QueueMember>({
  name: 'QueueMember', tableName: 'queue_members',
  columns: {
    queueId: { ...refColumn(), primary: true, name: 'queue_id' },
    userId: { ...refColumn(), primary: true, name: 'user_id' },
    tenantId: tenantColumn,
  },
});
