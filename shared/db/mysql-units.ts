// Units of work on MySQL/MariaDB (work.ts), each one transaction, on a pool of their own whose
// sessions run with autocommit off at READ COMMITTED. With autocommit off, a unit's first
// statement opens its transaction, so a unit costs its statements and a COMMIT: one round trip
// less than START TRANSACTION first, of the four or five a webhook or a reply takes (each round
// trip is a write to the server's socket, the largest single cost of a webhook on MySQL). The
// pool is built from TypeORM's own connection options, so values convert exactly as through
// TypeORM (Rows does that conversion), and statements go straight to mysql2, without a query
// runner per unit. READ COMMITTED: a unit that lost a race (a unique violation) reads the winner's
// row, committed after the unit began.
//
// Only units run here, and each ends with COMMIT or ROLLBACK before its connection goes back: an
// idle connection never holds a transaction open (nor the metadata locks it would keep on tables).
// Reads outside units, and everything TypeORM does, stay on TypeORM's pool, in autocommit.
import { QueryFailedError, type DataSource } from 'typeorm';
import { driveAsync, type RowOp, type Work } from './work.js';

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

const SESSION = ['SET SESSION autocommit = 0', 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'];

export class MysqlUnits {
  private readonly pool: Pool;
  /** Connections whose session is set up (SESSION); a new one is set up before its first unit. */
  private readonly ready = new WeakSet<Connection>();

  constructor(ds: DataSource) {
    const driver = ds.driver as unknown as MysqlDriverParts;
    this.pool = driver.mysql.createPool(driver.createConnectionOptions(driver.options, driver.options));
  }

  /** Runs a unit as one transaction; resolves with its result once committed. A unit that throws leaves nothing behind. */
  async run<T>(work: () => Work<T>, statement: (op: RowOp) => UnitStatement): Promise<T> {
    const conn = await this.connection();
    try {
      const value = await driveAsync(work(), async (op) => {
        const st = statement(op);
        const result = await query(conn, st.sql, st.params);
        if (st.read) return Array.isArray(result) && result.length ? st.read(valuesOf(st, result[0] as Record<string, unknown>)) : null;
        return (result as { affectedRows?: number }).affectedRows ?? 0;
      });
      await query(conn, 'COMMIT', []);
      conn.release();
      return value;
    } catch (err) {
      // Undone, and the connection handed back clean; one that cannot even roll back is dropped.
      try {
        await query(conn, 'ROLLBACK', []);
        conn.release();
      } catch {
        conn.destroy();
      }
      throw err;
    }
  }

  /** Closes the pool's connections. */
  close(): Promise<void> {
    return new Promise((resolve) => this.pool.end(() => resolve()));
  }

  private async connection(): Promise<Connection> {
    const conn = await new Promise<Connection>((resolve, reject) => this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c))));
    if (this.ready.has(conn)) return conn;
    try {
      for (const sql of SESSION) await query(conn, sql, []);
    } catch (err) {
      conn.destroy();
      throw err;
    }
    this.ready.add(conn);
    return conn;
  }
}

function query(conn: Connection, sql: string, params: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => conn.query(sql, params, (err, result) => (err ? reject(new QueryFailedError(sql, params, err)) : resolve(result))));
}
