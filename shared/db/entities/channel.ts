import { EntitySchema } from 'typeorm';
import type { Platform } from '../../types/message.js';
import { type JsonObject, idColumn, jsonColumn, refColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

/** A connection to one platform account. Secrets are encrypted (shared/auth/secret-box.ts). */
export interface Channel {
  id: string; tenantId: string; platform: Platform; name: string; queueId: string | null;
  settings: JsonObject;      // non-secret config, returned by reads
  secrets: string;                        // encrypted JSON of the secret config keys
  createdAt: Date; deletedAt: Date | null;
}

export const ChannelEntity = new EntitySchema<Channel>({
  name: 'Channel', tableName: 'channels',
  columns: {
    id: idColumn,
    tenantId: tenantColumn,
    platform: textColumn(32),
    name: textColumn(200),
    queueId: { ...refColumn(true), name: 'queue_id' },
    settings: jsonColumn(false),
    secrets: { type: 'text' },
    createdAt: { ...timeColumn(), name: 'created_at' },
    deletedAt: { ...timeColumn(true), name: 'deleted_at' },
  },
});
