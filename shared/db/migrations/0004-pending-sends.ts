// Finding outbound messages still pending (gateway/requeue-pending-sends.ts) without reading the
// whole messages table: few rows are pending at any time, so (status, created_at) picks them out.
import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class PendingSends1763942400004 implements MigrationInterface {
  name = 'PendingSends1763942400004';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('messages', new TableIndex({ name: 'ix_messages_status_created', columnNames: ['status', 'created_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('messages', 'ix_messages_status_created');
  }
}
