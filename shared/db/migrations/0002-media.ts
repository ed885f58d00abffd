// Attachments: the media table (unique per tenant and content hash) and per-tenant upload limits.
// TypeORM's Table API, so that it runs on SQLite and MySQL alike.
import { Table, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable });
const big = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable });
const time = (name: string): TableColumnOptions => ({ name, type: 'datetime', precision: 3 });

export class Media1763942400002 implements MigrationInterface {
  name = 'Media1763942400002';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'media',
      columns: [
        { ...str('id', 36), isPrimary: true }, str('tenant_id', 36), str('owner', 100), str('sha256', 64, true), big('size'),
        str('mime_type', 127), str('file_name', 255, true), str('storage_key', 255, true), str('thumbnail_key', 255, true),
        str('status', 16), { name: 'error', type: 'text', isNullable: true }, time('created_at'),
      ],
      indices: [
        // NULL hashes (unavailable attachments) never collide: both databases allow many NULLs in a unique key.
        { name: 'uq_media_tenant_sha256', columnNames: ['tenant_id', 'sha256'], isUnique: true },
        { name: 'ix_media_tenant_created', columnNames: ['tenant_id', 'created_at'] },
      ],
    }));
    await q.createTable(new Table({
      name: 'media_limits',
      columns: [{ ...str('tenant_id', 36), isPrimary: true }, big('max_bytes', true), big('widget_max_bytes', true), time('updated_at')],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('media_limits');
    await q.dropTable('media');
  }
}
