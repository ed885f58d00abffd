// The routing engine: agents' skill levels and capacity per channel kind, customers' priority
// (VIP), conversations the autoresponder took, and richer routing history for reports.
// addColumn/createIndex, so that it runs on SQLite and MySQL alike.
import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const ref = (name: string) => new TableColumn({ name, type: 'varchar', length: '36', isNullable: true });

export class Routing1763942400003 implements MigrationInterface {
  name = 'Routing1763942400003';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('users', [
      new TableColumn({ name: 'skill_levels', type: 'text', isNullable: true }),
      new TableColumn({ name: 'capacities', type: 'text', isNullable: true }),
    ]);
    await q.addColumn('customers', new TableColumn({ name: 'priority', type: 'int', default: 0 }));
    await q.addColumn('conversations', new TableColumn({ name: 'unattended', type: 'varchar', length: '32', isNullable: true }));
    await q.addColumns('routing_events', [
      ref('from_agent_id'), ref('from_queue_id'),
      new TableColumn({ name: 'duration_ms', type: 'int', isNullable: true }),
    ]);
    await q.createIndex('routing_events', new TableIndex({ name: 'ix_routing_events_conversation', columnNames: ['conversation_id', 'created_at'] }));
    await q.createIndex('routing_events', new TableIndex({ name: 'ix_routing_events_tenant_kind', columnNames: ['tenant_id', 'kind', 'created_at'] }));
    await q.createIndex('conversations', new TableIndex({ name: 'ix_conversations_customer_closed', columnNames: ['customer_id', 'closed_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('conversations', 'ix_conversations_customer_closed');
    await q.dropIndex('routing_events', 'ix_routing_events_tenant_kind');
    await q.dropIndex('routing_events', 'ix_routing_events_conversation');
    for (const c of ['duration_ms', 'from_queue_id', 'from_agent_id']) await q.dropColumn('routing_events', c);
    await q.dropColumn('conversations', 'unattended');
    await q.dropColumn('customers', 'priority');
    for (const c of ['capacities', 'skill_levels']) await q.dropColumn('users', c);
  }
}
