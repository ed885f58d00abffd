// The first schema: tenants, users, queues, channels, customers, conversations, messages and
// the routing history. Written with TypeORM's Table API so that it runs on SQLite and MySQL alike.
import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const id = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: name === 'id' });
const ref = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable });
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable });
const text = (name: string, isNullable = true): TableColumnOptions => ({ name, type: 'text', isNullable });
const int = (name: string): TableColumnOptions => ({ name, type: 'int', default: 0 });
const time = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable });
const tenant = ref('tenant_id');

export class InitialSchema1763942400000 implements MigrationInterface {
  name = 'InitialSchema1763942400000';

  async up(q: QueryRunner): Promise<void> {
    const sqlite = q.connection.options.type === 'better-sqlite3';
    await q.createTable(new Table({
      name: 'tenants',
      columns: [id(), str('slug', 64), str('name', 200), time('created_at')],
      indices: [{ name: 'uq_tenants_slug', columnNames: ['slug'], isUnique: true }],
    }));
    await q.createTable(new Table({
      name: 'users',
      columns: [id(), tenant, str('name', 200), str('email', 254), str('password_hash', 255), str('role', 16),
        text('skills', false), int('capacity'), time('created_at'), time('disabled_at', true)],
      indices: [{ name: 'uq_users_tenant_email', columnNames: ['tenant_id', 'email'], isUnique: true }],
    }));
    await q.createTable(new Table({
      name: 'queues',
      columns: [id(), tenant, str('name', 200), text('skills', false), int('priority'), text('settings', false), time('created_at')],
      indices: [{ name: 'ix_queues_tenant', columnNames: ['tenant_id'] }],
    }));
    await q.createTable(new Table({
      name: 'queue_members',
      columns: [{ ...ref('queue_id'), isPrimary: true }, { ...ref('user_id'), isPrimary: true }, tenant],
      indices: [{ name: 'ix_queue_members_user', columnNames: ['user_id'] }],
    }));
    await q.createTable(new Table({
      name: 'channels',
      columns: [id(), tenant, str('platform', 32), str('name', 200), ref('queue_id', true), text('settings', false),
        text('secrets', false), time('created_at'), time('deleted_at', true)],
      indices: [{ name: 'ix_channels_tenant', columnNames: ['tenant_id'] }],
    }));
    await q.createTable(new Table({
      name: 'customers',
      columns: [id(), tenant, ref('channel_id'), str('external_user_id', 191), str('display_name', 200, true),
        str('locale', 32, true), text('avatar_url'), str('visitor_token_hash', 64, true), ref('open_conversation_id', true), time('created_at')],
      indices: [{ name: 'uq_customers_channel_user', columnNames: ['channel_id', 'external_user_id'], isUnique: true }],
    }));
    await q.createTable(new Table({
      name: 'conversations',
      columns: [id(), tenant, ref('channel_id'), ref('customer_id'), str('status', 16), ref('queue_id', true),
        ref('agent_id', true), int('priority'), time('created_at'), time('updated_at'), time('closed_at', true),
        str('disposition', 200, true), time('last_message_at', true), time('queued_at', true), time('assigned_at', true)],
      indices: [
        { name: 'ix_conversations_customer_status', columnNames: ['customer_id', 'status'] },
        { name: 'ix_conversations_tenant_status', columnNames: ['tenant_id', 'status', 'updated_at'] },
        { name: 'ix_conversations_agent_status', columnNames: ['agent_id', 'status'] },
      ],
    }));
    await q.createTable(new Table({
      name: 'messages',
      columns: [
        { name: 'seq', type: sqlite ? 'integer' : 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        str('id', 36), tenant, ref('conversation_id'), ref('channel_id'), str('direction', 3), str('sender', 16),
        ref('agent_id', true), str('type', 16), text('text'), text('content'), str('status', 16), text('error'),
        str('external_message_id', 191, true), str('client_message_id', 100, true), time('created_at'), time('updated_at'),
      ],
      indices: [
        { name: 'uq_messages_id', columnNames: ['id'], isUnique: true },
        { name: 'uq_messages_channel_external', columnNames: ['channel_id', 'external_message_id'], isUnique: true },
        { name: 'uq_messages_conversation_client', columnNames: ['conversation_id', 'client_message_id'], isUnique: true },
        { name: 'ix_messages_conversation_seq', columnNames: ['conversation_id', 'seq'] },
      ],
    }));
    await q.createTable(new Table({
      name: 'routing_events',
      columns: [id(), tenant, ref('conversation_id'), str('kind', 16), ref('queue_id', true), ref('agent_id', true), text('note'), time('created_at')],
      indices: [new TableIndex({ name: 'ix_routing_events_tenant_time', columnNames: ['tenant_id', 'created_at'] })],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['routing_events', 'messages', 'conversations', 'customers', 'channels', 'queue_members', 'queues', 'users', 'tenants']) {
      await q.dropTable(t);
    }
  }
}
