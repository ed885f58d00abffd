import { EntitySchema } from 'typeorm';
import { idColumn, textColumn, timeColumn } from '../columns.js';

export interface Tenant { id: string; slug: string; name: string; createdAt: Date }

export const TenantEntity = new EntitySchema<Tenant>({
  name: 'Tenant', tableName: 'tenants',
  columns: {
    id: idColumn,
    slug: textColumn(64),
    name: textColumn(200),
    createdAt: { ...timeColumn(), name: 'created_at' },
  },
});
