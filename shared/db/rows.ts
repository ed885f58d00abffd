// Single-row reads and writes for the hot paths (every inbound webhook, every reply), by primary
// or unique key, as plain prepared SQL. TypeORM's query builder costs more CPU than the query
// itself for statements this small; here the SQL is built once per shape and values go through
// the driver's own conversions (dates, JSON, transformers), so rows read back exactly as
// TypeORM would read them, on SQLite and on MySQL alike. Units of work (work.ts) run through
// here too, grouped into shared transactions: on SQLite by the group commit (group-commit.ts),
// on MySQL in rounds (mysql-units.ts), where single reads and writes go as units of one statement.
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type BetterSqlite3 from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';
import { MysqlUnits } from './mysql-units.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { driveSync, single, type Joined, type RowOp, type Work } from './work.js';

/**
 * How SQLite holds our times (TypeORM writes them so: UTC, milliseconds). TypeORM reads such a
 * value as the same text with a T and a Z; read here in one step instead of its several.
 */
const SQLITE_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;

/**
 * A column and TypeORM's metadata of it, which the driver's conversions take (transformers
 * included). `plain`: a string column without a transformer, whose values the drivers pass
 * through unchanged both ways; asking them is skipped. `sqliteTime`: a time column without a
 * transformer on SQLite, converted here as the driver would (toDb, fromDb).
 */
interface Column { propertyName: string; databaseName: string; meta: ColumnMetadata; plain: boolean; sqliteTime: boolean }

interface Table {
  name: string; columns: Column[]; byProperty: Map<string, Column>; sql: Map<string, string>;
  /** Where `id` is in columns (-1 if none), and the result names of the columns as table number i of a join (`t1_name`), made once. */
  idIndex: number; aliases: string[][];
}
/** A statement and its parameters, with how to read its result. */
interface Statement {
  sql: string; params: unknown[]; table: Table;
  /**
   * For reads: turns the first row of the result, as its values in the order selected, into what
   * the operation returns. `names` are the result's column names in that order (for drivers that
   * give rows as objects); on SQLite rows come as arrays, cheaper to make than objects.
   */
  read?: (values: unknown[]) => unknown;
  names?: string[];
}

export class Rows {
  private readonly tables = new Map<unknown, Table>();
  private readonly layouts = new Map<string, { offsets: number[]; names: string[] }>();
  /** MySQL only: where units of work run (mysql-units.ts). */
  private readonly mysqlUnits?: MysqlUnits;
  /** SQLite only: the connection, its prepared statements, and the group commit of units of work. */
  private readonly sqlite?: { db: BetterSqlite3.Database; prepared: Map<string, BetterSqlite3.Statement>; group: GroupCommit; checkpointer?: WalCheckpointer };

  /** `onProblem` hears of trouble with SQLite's background checkpoints (a sentence for the log). */
  constructor(private readonly ds: DataSource, onProblem: (message: string) => void = () => {}) {
    const db = ds.options.type === 'better-sqlite3' ? (ds.driver as unknown as { databaseConnection?: BetterSqlite3.Database }).databaseConnection : undefined;
    if (db) {
      const group = new GroupCommit(db, onProblem);
      const checkpointer = db.memory || db.readonly ? undefined : new WalCheckpointer(db, { onProblem, holdWrites: (until) => group.hold(until) });
      this.sqlite = { db, prepared: new Map(), group, checkpointer };
    } else if (ds.options.type === 'mysql' || ds.options.type === 'mariadb') {
      this.mysqlUnits = new MysqlUnits(ds);
    }
  }

  /** Stops what runs beside the database (SQLite's WAL syncs and checkpoint thread); call before closing the data source. */
  async close(): Promise<void> {
    await this.sqlite?.group.close();
    await this.sqlite?.checkpointer?.stop();
    await this.mysqlUnits?.close();
  }

  /** The row whose columns equal `where` (a null value matches NULL), or null; the first by `order` when several do. */
  async findOne<T extends ObjectLiteral>(entity: EntityTarget<T>, where: Partial<T>, order?: Partial<Record<keyof T & string, 'ASC' | 'DESC'>>): Promise<T | null> {
    const op = { op: 'findOne', entity, where, order: order as Record<string, 'ASC' | 'DESC'> | undefined } as const;
    if (this.sqlite) return this.execSync(op) as T | null; // a prepared statement, without TypeORM's query path
    return this.runOne(op) as Promise<T | null>; // on MySQL, a unit of one read: it shares its turn's round trips, and carries its COMMIT
  }

  /**
   * The row whose columns equal `where` together with the rows its keys point at, in one query:
   * `via` maps a key property of the row (`customerId`) to the entity whose `id` it holds. A key
   * that is NULL or points at no row gives null there. Null when no row matches `where`.
   */
  async findOneWith<T extends ObjectLiteral, V extends Record<string, EntityTarget<ObjectLiteral>>>(entity: EntityTarget<T>, where: Partial<T>, via: V): Promise<Joined<T, V> | null> {
    const op = { op: 'findOneWith', entity, where, via } as const;
    if (this.sqlite) return this.execSync(op) as Joined<T, V> | null;
    return this.runOne(op) as Promise<Joined<T, V> | null>;
  }

  /**
   * Inserts one row; columns left undefined get the database's default (generated keys too).
   * Throws the driver's error, unique violations included. A unit of one statement: it joins the
   * next group (SQLite's group commit, MySQL's rounds).
   */
  async insert<T extends ObjectLiteral>(entity: EntityTarget<T>, row: Partial<T>): Promise<void> {
    await this.runOne({ op: 'insert', entity, row });
  }

  /** Sets `set` on the rows matching `where`, as a unit of one statement (see insert). */
  async update<T extends ObjectLiteral>(entity: EntityTarget<T>, where: Partial<T>, set: Partial<T>): Promise<void> {
    await this.runOne({ op: 'update', entity, where, set });
  }

  /**
   * Runs a unit of work (work.ts) and resolves with its result once its writes are committed. On
   * SQLite the unit joins the next group commit; on MySQL the next group, on a pool of its own
   * (mysql-units.ts). Either way a unit that throws leaves nothing behind. Never
   * call this (nor insert/update) inside a TypeORM transaction on SQLite: the group waits for
   * that transaction to end.
   */
  run<T>(work: () => Work<T>): Promise<T> {
    const s = this.sqlite;
    if (s) return s.group.submit(() => driveSync(work(), (op) => this.execSync(op)));
    if (this.mysqlUnits) return this.mysqlUnits.run(work, (op) => this.statement(op));
    throw new Error(`units of work run on SQLite or MySQL, not ${this.ds.options.type}`);
  }

  /** One operation as a unit of its own: on MySQL its COMMIT goes in the same round trip. */
  private runOne(op: RowOp): Promise<unknown> {
    if (this.mysqlUnits) return this.mysqlUnits.runOne(op, (o) => this.statement(o));
    return this.run(() => single(op));
  }

  /** Runs units in the order given (each sees the ones before it); resolves with their results. */
  async runInOrder<T>(works: (() => Work<T>)[]): Promise<T[]> {
    if (this.sqlite) return Promise.all(works.map((w) => this.run(w))); // queued in order, run in order
    const out: T[] = [];
    for (const w of works) out.push(await this.run(w));
    return out;
  }

  /** Calls `observe` with the duration of each WAL sync made off the event loop (SQLite), in seconds. */
  observeWalSyncs(observe: (seconds: number) => void): void {
    this.sqlite?.group.syncObservers.push(observe);
  }

  /** Group commit figures (SQLite), for tests and metrics. */
  get groupCommit(): { units: number; commits: number; syncs: number; syncSeconds: number; syncsOffTheEventLoop: boolean } | undefined {
    const g = this.sqlite?.group;
    return g && { ...g.stats, syncsOffTheEventLoop: g.syncsOffTheEventLoop };
  }

  /** How units of work were grouped on MySQL (mysql-units.ts), for tests and metrics. */
  get mysqlGroups(): MysqlUnits['stats'] | undefined {
    return this.mysqlUnits?.stats;
  }

  /** Checkpoint figures (SQLite on a file), for tests and metrics: how often writes were held for the log to be started over, and for how long. */
  get walCheckpoints(): WalCheckpointer['stats'] | undefined {
    return this.sqlite?.checkpointer?.stats;
  }

  private execSync(op: RowOp): unknown {
    const st = this.statement(op);
    const s = this.sqlite!;
    let prepared = s.prepared.get(st.sql);
    if (!prepared) {
      prepared = s.db.prepare(st.sql);
      if (st.read) prepared.raw(true); // rows as arrays of values
      s.prepared.set(st.sql, prepared);
    }
    if (st.read) {
      const values = prepared.get(...st.params) as unknown[] | undefined;
      return values ? st.read(values) : null;
    }
    return prepared.run(...st.params).changes;
  }

  /** The SQL of an operation (built once per shape) and its parameters in the driver's form. */
  private statement(o: RowOp): Statement {
    const t = this.table(o.entity);
    const where = 'where' in o ? o.where : {};
    const w = Object.keys(where);
    // The shape's key and the values, in one pass: this runs for every row operation.
    let whereKey = '';
    const whereParams: unknown[] = [];
    for (let i = 0; i < w.length; i++) {
      const k = w[i];
      const v = where[k];
      whereKey += i ? `,${k}` : k;
      if (v === null) whereKey += '=null';
      else whereParams.push(this.toDb(this.col(t, k), v));
    }
    const whereSql = () => w.map((k) => `${this.q(this.col(t, k).databaseName)} ${where[k] === null ? 'IS NULL' : '= ?'}`).join(' AND ');
    switch (o.op) {
      case 'findOne': {
        const order = Object.entries(o.order ?? {});
        const sql = this.sql(t, `select:${whereKey}:${order.join(',')}`, () => `SELECT ${this.selectList(t, 0)} FROM ${this.q(t.name)} t0 WHERE ${whereSql()}${
          order.length ? ` ORDER BY ${order.map(([k, dir]) => `${this.q(this.col(t, k).databaseName)} ${dir === 'DESC' ? 'DESC' : 'ASC'}`).join(', ')}` : ''} LIMIT 1`);
        return { sql, params: whereParams, table: t, names: this.aliases(t, 0), read: (values) => this.fromDb(t, values, 0) };
      }
      case 'findOneWith': {
        const keys = Object.keys(o.via);
        const joined = keys.map((k) => this.table(o.via[k]));
        if (w.some((k) => where[k] === null)) throw new Error('findOneWith matches values, not NULL');
        const sql = this.sql(t, `with:${w.join(',')}:${keys.map((k, i) => `${k}=${joined[i].name}`).join(',')}`, () => {
          const select = [t, ...joined].map((tab, i) => this.selectList(tab, i)).join(', ');
          const joins = joined.map((tab, i) => ` LEFT JOIN ${this.q(tab.name)} t${i + 1} ON t${i + 1}.${this.q(this.col(tab, 'id').databaseName)} = t0.${this.q(this.col(t, keys[i]).databaseName)}`).join('');
          return `SELECT ${select} FROM ${this.q(t.name)} t0${joins} WHERE ${w.map((k) => `t0.${this.q(this.col(t, k).databaseName)} = ?`).join(' AND ')} LIMIT 1`;
        });
        // Each table's columns follow the one before's, read as findOne reads them; a joined row that is not there is null.
        const layout = this.joinLayout(sql, t, joined);
        const part = (values: unknown[], tab: Table, at: number) => (values[at + tab.idIndex] == null ? null : this.fromDb<ObjectLiteral>(tab, values, at));
        return {
          sql, params: whereParams, table: t, names: layout.names,
          read: (values) => {
            const found: Record<string, unknown> = {};
            for (let i = 0; i < keys.length; i++) found[keys[i]] = part(values, joined[i], layout.offsets[i + 1]);
            return { row: part(values, t, 0), with: found };
          },
        };
      }
      case 'insert': {
        // The columns given (undefined ones get the database's default), their key and values in one pass.
        let key = 'insert:';
        const params: unknown[] = [];
        for (const c of t.columns) {
          const v = o.row[c.propertyName];
          if (v === undefined) continue;
          key += `${c.propertyName},`;
          params.push(this.toDb(c, v));
        }
        const sql = this.sql(t, key, () => {
          const cols = t.columns.filter((c) => o.row[c.propertyName] !== undefined);
          return `INSERT INTO ${this.q(t.name)} (${cols.map((c) => this.q(c.databaseName)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
        });
        return { sql, params, table: t };
      }
      case 'update': {
        const s = Object.keys(o.set);
        const sql = this.sql(t, `update:${s.join(',')}:${whereKey}`, () =>
          `UPDATE ${this.q(t.name)} SET ${s.map((k) => `${this.q(this.col(t, k).databaseName)} = ?`).join(', ')} WHERE ${whereSql()}`);
        return { sql, params: [...s.map((k) => this.toDb(this.col(t, k), o.set[k] ?? null)), ...whereParams], table: t };
      }
      case 'delete': {
        const sql = this.sql(t, `delete:${whereKey}`, () => `DELETE FROM ${this.q(t.name)} WHERE ${whereSql()}`);
        return { sql, params: whereParams, table: t };
      }
    }
  }

  private table(entity: EntityTarget<ObjectLiteral>): Table {
    let t = this.tables.get(entity);
    if (!t) {
      const meta = this.ds.getMetadata(entity);
      const columns = meta.columns.map((c) => ({
        propertyName: c.propertyName, databaseName: c.databaseName, meta: c,
        plain: !c.transformer && (c.type === 'varchar' || c.type === 'text'),
        sqliteTime: !!this.sqlite && !c.transformer && c.type === 'datetime',
      }));
      t = {
        name: meta.tableName, columns, byProperty: new Map(columns.map((c) => [c.propertyName, c])), sql: new Map(),
        idIndex: columns.findIndex((c) => c.propertyName === 'id'), aliases: [],
      };
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

  /** A value as the driver stores it; the driver applies the column's transformers, as TypeORM's own writes do. */
  private toDb(c: Column, value: unknown): unknown {
    if (c.plain) return value;
    if (c.sqliteTime && value instanceof Date) {
      // TypeORM's text for a time (UTC, milliseconds), from one call instead of seven; years
      // outside 0–9999 and invalid dates, which toISOString writes otherwise, go to the driver.
      const year = value.getUTCFullYear();
      if (year >= 0 && year <= 9999) {
        const iso = value.toISOString();
        return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
      }
    }
    return this.ds.driver.preparePersistentValue(value, c.meta);
  }

  /** A row as TypeORM reads it (the driver applies the transformers), from the table's columns' values from `at` on. */
  private fromDb<T>(t: Table, values: unknown[], at: number): T {
    const out: Record<string, unknown> = {};
    const columns = t.columns;
    const driver = this.ds.driver;
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j];
      const value = values[at + j];
      if (c.plain) out[c.propertyName] = value;
      else if (c.sqliteTime && typeof value === 'string' && SQLITE_TIME.test(value)) out[c.propertyName] = new Date(`${value.slice(0, 10)}T${value.slice(11)}Z`);
      else out[c.propertyName] = driver.prepareHydratedValue(value, c.meta);
    }
    return out as T;
  }

  /** Where each table's columns start in a join's result, and the result's column names (made once per statement). */
  private joinLayout(sql: string, first: Table, joined: Table[]): { offsets: number[]; names: string[] } {
    let layout = this.layouts.get(sql);
    if (!layout) {
      const tables = [first, ...joined];
      const offsets: number[] = [];
      let at = 0;
      for (const tab of tables) { offsets.push(at); at += tab.columns.length; }
      layout = { offsets, names: tables.flatMap((tab, i) => this.aliases(tab, i)) };
      this.layouts.set(sql, layout);
    }
    return layout;
  }

  /** A table's columns, as table number i of a query (`t1`), each named as `aliases` says. */
  private selectList(t: Table, i: number): string {
    const names = this.aliases(t, i);
    return t.columns.map((c, j) => `t${i}.${this.q(c.databaseName)} AS ${this.q(names[j])}`).join(', ');
  }

  /** The result names of a table's columns as table number i of a join (`t1_name`). */
  private aliases(t: Table, i: number): string[] {
    return (t.aliases[i] ??= t.columns.map((c) => `t${i}_${c.databaseName}`));
  }
}
