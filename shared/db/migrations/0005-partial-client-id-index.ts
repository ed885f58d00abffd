// On SQLite, the unique key of agents' client message ids covers only the rows that have one.
// Customers' messages have none (NULL), yet each had an entry in (conversation_id,
// client_message_id), keyed by conversation, so every inbound message dirtied one more index page
// somewhere in the middle of it: a 4 KiB page in the write-ahead log per message, written and
// synced at every commit. NULLs never conflicted in a unique index, so the rule is the same. The
// lookups by client id (`client_message_id = ?`) imply `IS NOT NULL` and use the partial index.
// MySQL has no partial indexes; its index stays as it is.
import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const NAME = 'uq_messages_conversation_client';
const COLUMNS = ['conversation_id', 'client_message_id'];

export class PartialClientIdIndex1763942400005 implements MigrationInterface {
  name = 'PartialClientIdIndex1763942400005';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'better-sqlite3') return;
    await q.dropIndex('messages', NAME);
    await q.createIndex('messages', new TableIndex({ name: NAME, columnNames: COLUMNS, isUnique: true, where: 'client_message_id IS NOT NULL' }));
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'better-sqlite3') return;
    await q.dropIndex('messages', NAME);
    await q.createIndex('messages', new TableIndex({ name: NAME, columnNames: COLUMNS, isUnique: true }));
  }
}
