// Column shapes shared by every entity, so that SQLite and MySQL see the same types.
import type { EntitySchemaColumnOptions } from 'typeorm';

/** A JSON object column's value. `any` inside because TypeORM's partial-entity types reject `unknown`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonObject = Record<string, any>;

export const idColumn: EntitySchemaColumnOptions = { type: 'varchar', length: 36, primary: true };
export const refColumn = (nullable = false): EntitySchemaColumnOptions => ({ type: 'varchar', length: 36, nullable });
export const tenantColumn: EntitySchemaColumnOptions = { type: 'varchar', length: 36, name: 'tenant_id' };
export const timeColumn = (nullable = false): EntitySchemaColumnOptions => ({ type: 'datetime', precision: 3, nullable });
export const jsonColumn = (nullable = true): EntitySchemaColumnOptions => ({ type: 'simple-json', nullable });
export const textColumn = (length: number, nullable = false): EntitySchemaColumnOptions => ({ type: 'varchar', length, nullable });
