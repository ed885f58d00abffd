// Units of work on MySQL/MariaDB (work.ts), on a pool of their own whose sessions run with
// autocommit off at READ COMMITTED. With autocommit off, a transaction's first statement opens it,
// so a unit alone costs its statements and a COMMIT: one round trip less than START TRANSACTION
// first. The pool is built from TypeORM's own connection options, so values convert exactly as
// through TypeORM (Rows does that conversion), and statements go straight to mysql2, without a
// query runner per unit. READ COMMITTED: a unit that lost a race (a unique violation) reads the
// winner's row, committed after the unit began.
//
// Units that arrive in the same turn of the event loop run together, as SQLite's group commit
// runs them, but in rounds: one query carries the next statement of every unit of the group
// (statements separated by semicolons: multipleStatements, on this pool only, whose SQL is all
// Rows's own, with values escaped by the driver), so a group of n units costs as many round trips
// as its longest unit has statements, and one COMMIT, instead of n times that. Round trips were
// the largest cost of a webhook on MySQL: each is a write to the server's socket (about a third of
// the event loop's time under bench:ingest). A group whose query fails (a unique violation of a
// redelivery, a deadlock with another process, a unit that throws) is rolled back whole, and its
// units run again each in a transaction of its own, as before, where the failure is thrown into
// the unit that caused it (work.ts allows a unit to run more than once). At most
// GROUPS_AT_ONCE groups run at once; units that arrive meanwhile wait for the next group, so
// groups grow with the load. A group still running after STALLED_MS is waiting on something (a
// row lock another transaction holds, a slow server) and no longer counts: the next groups start
// beside it, up to the pool's size, so that one locked row never holds back every other webhook.
//
// Only units run here (Rows's single reads and writes too, as units of one statement, so that
// they share their turn's round trips). A unit of one statement is known to end with it, so its
// COMMIT goes in the same query (`statement;\nCOMMIT`), and so does a group's when all of its
// units are of one statement: one round trip instead of two. Should that query fail, a SQL error
// stops it before COMMIT runs (nothing is kept: the group runs again unit by unit, as above),
// while a broken connection leaves unknown whether COMMIT ran, so its units fail, as after a
// failed COMMIT. Each unit ends with COMMIT or ROLLBACK before its
// connection goes back: an idle connection never holds a transaction open (nor the metadata locks
// it would keep on tables). Everything TypeORM does stays on TypeORM's pool, in autocommit.
import { QueryFailedError, type DataSource } from 'typeorm';
import { driveAsync, single, type RowOp, type Work } from './work.js';

interface Connection {
  query(sql: string, params: unknown[], cb: (err: Error | null, result: unknown) => void): void;
  release(): void;
  destroy(): void;
}
interface Pool {
  getConnection(cb: (err: Error | null, conn: Connection) => void): void;
  end(cb: (err?: Error | null) => void): void;
}
/** What of TypeORM's MySQL driver this uses: the mysql2 module it loaded, and how it builds a pool's options. */
interface MysqlDriverParts {
  mysql: { createPool(options: object): Pool };
  options: object;
  createConnectionOptions(options: object, credentials: object): object;
}

/** A result row given as an object (as MySQL's driver gives them), as its values in the order the statement selected them. */
export function valuesOf(st: { names?: string[] }, row: Record<string, unknown>): unknown[] {
  return st.names!.map((n) => row[n]);
}

/** A statement of a unit, with how to read its result (Rows.statement): `read` takes the row's values in the order of `names`. */
export interface UnitStatement { sql: string; params: unknown[]; read?: (values: unknown[]) => unknown; names?: string[] }

/** At most this many units in one group (one query per round carries a statement of each). */
const MAX_UNITS = 100;
/** A round's statements go in queries of about this many characters at most (parts()). */
const QUERY_CHARS = 4 * 1024 * 1024;
/** Groups running at the same time, each on its own connection (groups that stalled not counted). */
const GROUPS_AT_ONCE = 4;
/** A group running longer than this is stalled: it stops holding back the next groups. Groups take a few ms. */
const STALLED_MS = 200;

/** `one`: the unit is a single statement (runOne), so its COMMIT can go with that statement. */
interface Queued { work: () => Work<unknown>; one: boolean; statement: (op: RowOp) => UnitStatement; resolve: (v: unknown) => void; reject: (err: unknown) => void }

const SESSION = ['SET SESSION autocommit = 0', 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'];

export class MysqlUnits {
  private readonly pool: Pool;
  /** Connections whose session is set up (SESSION); a new one is set up before its first unit. */
  private readonly ready = new WeakSet<Connection>();

  private queue: Queued[] = [];
  private scheduled = false;
  /** When each running group started (performance.now()). */
  private readonly running = new Set<{ at: number }>();
  /** At most this many groups at all, stalled ones included: the pool's connections. */
  private readonly maxGroups: number;
  /** Set while queued units wait for a running group to end or to stall. */
  private wake?: NodeJS.Timeout;
  /**
   * Units committed, groups committed (a unit alone counts as a group of one), groups run again
   * unit by unit, and queries sent (round trips, COMMIT and ROLLBACK included), for tests and metrics.
   */
  readonly stats = { units: 0, groups: 0, groupsRunAgain: 0, queries: 0 };

  constructor(ds: DataSource) {
    const driver = ds.driver as unknown as MysqlDriverParts;
    const options = driver.createConnectionOptions(driver.options, driver.options) as { connectionLimit?: number };
    this.pool = driver.mysql.createPool({ ...options, multipleStatements: true });
    this.maxGroups = Math.max(GROUPS_AT_ONCE, options.connectionLimit ?? 10); // mysql2's default pool size
  }

  /** Runs a unit in the next group; resolves with its result once committed. A unit that throws leaves nothing behind. */
  run<T>(work: () => Work<T>, statement: (op: RowOp) => UnitStatement): Promise<T> {
    return this.enqueue(work, false, statement);
  }

  /** Runs one statement as a unit (a read or a single write); its COMMIT travels with it. */
  runOne(op: RowOp, statement: (op: RowOp) => UnitStatement): Promise<unknown> {
    return this.enqueue(() => single(op), true, statement);
  }

  private enqueue<T>(work: () => Work<T>, one: boolean, statement: (op: RowOp) => UnitStatement): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, one, statement, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.queue.length && this.running.size < this.maxGroups) {
      const now = performance.now();
      const fresh = [...this.running].filter((g) => now - g.at < STALLED_MS);
      if (fresh.length >= GROUPS_AT_ONCE) {
        // Look again when the first of them would count as stalled, if none has ended by then.
        if (!this.wake) {
          const first = Math.min(...fresh.map((g) => g.at));
          this.wake = setTimeout(() => { this.wake = undefined; this.startGroups(); }, Math.max(1, first + STALLED_MS - now));
        }
        return;
      }
      const batch = this.queue.splice(0, MAX_UNITS);
      const started = { at: now };
      this.running.add(started);
      const done = batch.length === 1 ? this.alone(batch[0]) : this.group(batch);
      void done.finally(() => {
        this.running.delete(started);
        if (this.queue.length) this.schedule();
      });
    }
  }

  private alone(q: Queued): Promise<void> {
    return this.runAlone(q).then((value) => {
      this.stats.units++;
      this.stats.groups++;
      q.resolve(value);
    }, q.reject);
  }

  /** Runs the units in rounds on one connection, in one transaction; on any failure, runs each alone. */
  private async group(batch: Queued[]): Promise<void> {
    let conn: Connection;
    try {
      conn = await this.connection();
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    const units = batch.map((q) => ({ q, gen: q.work(), step: undefined as IteratorResult<RowOp, unknown> | undefined }));
    let committed = false;
    try {
      for (const u of units) u.step = u.gen.next();
      for (;;) {
        const live = units.filter((u) => !u.step!.done);
        if (!live.length) break;
        const sts = live.map((u) => u.q.statement(u.step!.value as RowOp));
        // Every statement of this round is its unit's last: COMMIT goes with the round's last query.
        const last = live.every((u) => u.q.one);
        const results: unknown[] = [];
        const queries = parts(sts);
        for (let i = 0; i < queries.length; i++) {
          const part = queries[i];
          const commit = last && i === queries.length - 1;
          const result = await this.query(conn, part.map((st) => st.sql).join(';\n') + (commit ? ';\nCOMMIT' : ''), part.flatMap((st) => st.params))
            .catch((err: unknown) => { throw commit && isFatal(err) ? new CommitUnknown(err) : err; });
          if (part.length === 1 && !commit) results.push(result); else results.push(...(result as unknown[]).slice(0, part.length));
          committed ||= commit;
        }
        live.forEach((u, i) => { u.step = u.gen.next(outcomeOf(sts[i], results[i])); });
      }
    } catch (err) {
      for (const u of units) {
        try { u.gen.return(undefined); } catch { /* its finally threw: it runs again below anyway */ }
      }
      await this.giveBack(conn);
      if (err instanceof CommitUnknown) {
        for (const q of batch) q.reject(err.cause);
        return;
      }
      this.stats.groupsRunAgain++;
      await Promise.all(batch.map((q) => this.alone(q)));
      return;
    }
    try {
      if (!committed) await this.query(conn, 'COMMIT', []);
      conn.release();
    } catch (err) {
      // Not run again: the server may have committed before the connection failed.
      await this.giveBack(conn);
      for (const q of batch) q.reject(err);
      return;
    }
    this.stats.units += units.length;
    this.stats.groups++;
    for (const u of units) u.q.resolve(u.step!.value);
  }

  /** Rolls back and hands the connection back clean; one that cannot even roll back is dropped. */
  private async giveBack(conn: Connection): Promise<void> {
    try {
      await this.query(conn, 'ROLLBACK', []);
      conn.release();
    } catch {
      conn.destroy();
    }
  }

  /** Runs a unit as one transaction of its own (a unit of one statement in one round trip, its COMMIT with it). */
  private async runAlone(q: Queued): Promise<unknown> {
    const conn = await this.connection();
    try {
      const value = await driveAsync(q.work(), async (op) => {
        const st = q.statement(op);
        if (!q.one) return outcomeOf(st, await this.query(conn, st.sql, st.params));
        const [result] = await this.query(conn, `${st.sql};\nCOMMIT`, st.params) as unknown[];
        return outcomeOf(st, result);
      });
      if (!q.one) await this.query(conn, 'COMMIT', []);
      conn.release();
      return value;
    } catch (err) {
      await this.giveBack(conn); // undone (or, after a broken connection, dropped)
      throw err;
    }
  }

  /** One round trip, counted. */
  private query(conn: Connection, sql: string, params: unknown[]): Promise<unknown> {
    this.stats.queries++;
    return query(conn, sql, params);
  }

  /** Closes the pool's connections. */
  close(): Promise<void> {
    clearTimeout(this.wake);
    return new Promise((resolve) => this.pool.end(() => resolve()));
  }

  private async connection(): Promise<Connection> {
    const conn = await new Promise<Connection>((resolve, reject) => this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c))));
    if (this.ready.has(conn)) return conn;
    try {
      for (const sql of SESSION) await this.query(conn, sql, []);
    } catch (err) {
      conn.destroy();
      throw err;
    }
    this.ready.add(conn);
    return conn;
  }
}

/**
 * A round's statements as queries of at most QUERY_CHARS (a rough count: SQL and values as text),
 * however large the messages of a group are. Escaped and in UTF-8, a character takes at most 3
 * bytes, so a query stays under MySQL's max_allowed_packet (16 MB by default on MariaDB, 64 MB on
 * MySQL 8); a single statement larger than that was too large before it was grouped.
 */
function parts(sts: UnitStatement[]): UnitStatement[][] {
  const out: UnitStatement[][] = [];
  let part: UnitStatement[] = [];
  let chars = 0;
  for (const st of sts) {
    const size = st.sql.length + st.params.reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length * 2 : 32), 0);
    if (part.length && chars + size > QUERY_CHARS) { out.push(part); part = []; chars = 0; }
    part.push(st);
    chars += size;
  }
  if (part.length) out.push(part);
  return out;
}

/** What a statement gives its unit: the read of its first row (null if none), or how many rows it changed. */
function outcomeOf(st: UnitStatement, result: unknown): unknown {
  if (st.read) return Array.isArray(result) && result.length ? st.read(valuesOf(st, result[0] as Record<string, unknown>)) : null;
  return (result as { affectedRows?: number }).affectedRows ?? 0;
}

/** A query that carried COMMIT failed with its connection: whether COMMIT ran is unknown, so its units are not run again. */
class CommitUnknown extends Error {
  constructor(override readonly cause: unknown) { super('the connection failed while COMMIT was on its way'); }
}

/** The connection broke (mysql2's fatal errors), as opposed to a statement refused by the server, which stops a multi-statement query where it is. */
function isFatal(err: unknown): boolean {
  return (err as { driverError?: { fatal?: boolean } }).driverError?.fatal === true;
}

function query(conn: Connection, sql: string, params: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => conn.query(sql, params, (err, result) => (err ? reject(new QueryFailedError(sql, params, err)) : resolve(result))));
}
