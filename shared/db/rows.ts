// Single-row reads and writes for the hot paths (every inbound webhook, every reply), by primary
// or unique key, as plain prepared SQL. TypeORM's query builder costs more CPU than the query
// itself for statements this small; here the SQL is built once per shape and values go through
// the driver's own conversions (dates, JSON, transformers), so rows read back exactly as
// TypeORM would read them, on SQLite and on MySQL alike.
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

interface Column {
  propertyName: string; databaseName: string; isGenerated: boolean;
  transformer?: { to(v: unknown): unknown; from(v: unknown): unknown } | { to(v: unknown): unknown; from(v: unknown): unknown }[];
}
interface Table { name: string; columns: Column[]; byProperty: Map<string, Column>; sql: Map<string, string> }

export class Rows {
  private readonly tables = new Map<unknown, Table>();
  constructor(private readonly ds: DataSource) {}

  /** The row whose columns equal `where` (non-null values), or null. */
  async findOne<T extends ObjectLiteral>(entity: EntityTarget<T>, where: Partial<T>): Promise<T | null> {
    const t = this.table(entity);
    const keys = Object.keys(where);
    const sql = this.sql(t, `select:${keys.join(',')}`, () =>
      `SELECT * FROM ${this.q(t.name)} WHERE ${keys.map((k) => `${this.q(this.col(t, k).databaseName)} = ?`).join(' AND ')} LIMIT 1`);
    const rows: Record<string, unknown>[] = await this.ds.query(sql, keys.map((k) => this.toDb(this.col(t, k), where[k])));
    return rows.length ? this.fromDb<T>(t, rows[0]) : null;
  }

  /** Inserts one row; columns left undefined get the database's default (generated keys too). Throws the driver's error, unique violations included. */
  async insert<T extends ObjectLiteral>(entity: EntityTarget<T>, row: Partial<T>): Promise<void> {
    const t = this.table(entity);
    const cols = t.columns.filter((c) => row[c.propertyName] !== undefined);
    const sql = this.sql(t, `insert:${cols.map((c) => c.propertyName).join(',')}`, () =>
      `INSERT INTO ${this.q(t.name)} (${cols.map((c) => this.q(c.databaseName)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    await this.ds.query(sql, cols.map((c) => this.toDb(c, row[c.propertyName])));
  }

  /** Sets `set` on the rows matching `where`. */
  async update<T extends ObjectLiteral>(entity: EntityTarget<T>, where: Partial<T>, set: Partial<T>): Promise<void> {
    const t = this.table(entity);
    const w = Object.keys(where);
    const s = Object.keys(set);
    const sql = this.sql(t, `update:${s.join(',')}:${w.join(',')}`, () =>
      `UPDATE ${this.q(t.name)} SET ${s.map((k) => `${this.q(this.col(t, k).databaseName)} = ?`).join(', ')} WHERE ${w.map((k) => `${this.q(this.col(t, k).databaseName)} = ?`).join(' AND ')}`);
    await this.ds.query(sql, [...s.map((k) => this.toDb(this.col(t, k), set[k] ?? null)), ...w.map((k) => this.toDb(this.col(t, k), where[k]))]);
  }

  private table(entity: EntityTarget<ObjectLiteral>): Table {
    let t = this.tables.get(entity);
    if (!t) {
      const meta = this.ds.getMetadata(entity);
      const columns = meta.columns.map((c) => ({ propertyName: c.propertyName, databaseName: c.databaseName, isGenerated: c.isGenerated, transformer: c.transformer, meta: c })) as (Column & { meta: unknown })[];
      t = { name: meta.tableName, columns, byProperty: new Map(columns.map((c) => [c.propertyName, c])), sql: new Map() };
      this.tables.set(entity, t);
    }
    return t;
  }

  private col(t: Table, property: string): Column {
    const c = t.byProperty.get(property);
    if (!c) throw new Error(`${t.name} has no column for ${property}`);
    return c;
  }

  private sql(t: Table, key: string, build: () => string): string {
    let s = t.sql.get(key);
    if (!s) t.sql.set(key, (s = build()));
    return s;
  }

  private q(name: string): string { return this.ds.driver.escape(name); }

  private toDb(c: Column, value: unknown): unknown {
    let v = value;
    if (c.transformer) for (const tr of [c.transformer].flat()) v = tr.to(v);
    return this.ds.driver.preparePersistentValue(v, (c as Column & { meta: never }).meta);
  }

  private fromDb<T>(t: Table, raw: Record<string, unknown>): T {
    const out: Record<string, unknown> = {};
    for (const c of t.columns) {
      let v = this.ds.driver.prepareHydratedValue(raw[c.databaseName], (c as Column & { meta: never }).meta);
      if (c.transformer) for (const tr of [c.transformer].flat().reverse()) v = tr.from(v);
      out[c.propertyName] = v;
    }
    return out as T;
  }
}
