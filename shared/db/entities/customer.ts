import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

/** A person on one channel, known by the platform's user id. */
export interface Customer {
  id: string; tenantId: string; channelId: string; externalUserId: string;
  displayName: string | null; locale: string | null; avatarUrl: string | null;
  visitorTokenHash: string | null;        // web chat: hash of the token a browser keeps to resume
  openConversationId: string | null;      // the one conversation not yet closed; set by compare-and-set
  createdAt: Date;
  /** Routing priority (VIP above 0): their conversations wait ahead of others in a queue. */
  priority?: number;
}

export const CustomerEntity = new EntitySchema<Customer>({
  name: 'Customer', tableName: 'customers',
  columns: {
    id: idColumn,
    tenantId: tenantColumn,
    channelId: { ...refColumn(), name: 'channel_id' },
    externalUserId: { ...textColumn(191), name: 'external_user_id' },
    displayName: { ...textColumn(200, true), name: 'display_name' },
    locale: textColumn(32, true),
    avatarUrl: { type: 'text', nullable: true, name: 'avatar_url' },
    visitorTokenHash: { ...textColumn(64, true), name: 'visitor_token_hash' },
    openConversationId: { ...refColumn(true), name: 'open_conversation_id' },
    createdAt: { ...timeColumn(), name: 'created_at' },
    priority: { type: 'int', default: 0 },
  },
});
