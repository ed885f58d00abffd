// Group commit for SQLite. Each autocommitted write costs a WAL append of every page it touched
// (70–130 µs on our test machines); a webhook stores a message and touches its conversation, so
// at a thousand webhooks a second most of the database time was commits. Units of work queued in
// one turn of the event loop run one after another in one transaction, and their promises resolve
// only after COMMIT, so nobody acknowledges what is not stored (DESIGN.md durability rule 1).
//
// A unit that throws is rare (lost races are handled inside units): the whole group is rolled
// back, that unit's caller gets the error, and the others run again in the next group, each in a
// savepoint of its own this time, so that one bad unit costs its group one re-run and no more.
// This is why a unit must be a function of the database and its inputs alone (work.ts), and why
// groups without a failure need no savepoints (two statements per unit, a tenth of a webhook's
// database time).
//
// A flush is synchronous from BEGIN to COMMIT (better-sqlite3 is synchronous), so no other code
// can slip a statement into the shared transaction. If an asynchronous TypeORM transaction is open
// on the connection when a flush is due, the flush waits for it to end rather than join it.
import type BetterSqlite3 from 'better-sqlite3';

interface Pending<T = unknown> { run: () => T; resolve: (v: T) => void; reject: (err: unknown) => void }

/** At most this many units per transaction, so one flush never holds the event loop for long. */
const MAX_UNITS = 200;
/** How long units wait for someone else's transaction before they fail instead. */
const MAX_WAIT_FOR_OTHERS_MS = 5000;

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private waitingSince = 0;
  /** After a failure the next group runs each unit in a savepoint, so that failures never cascade into re-runs. */
  private careful = false;
  /** Units run and transactions committed, for tests and metrics. */
  readonly stats = { units: 0, commits: 0 };

  /** Prepared once, not parsed on every flush. */
  private readonly tx: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', BetterSqlite3.Statement>;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.tx = {
      begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT unit'), release: db.prepare('RELEASE unit'), rollbackTo: db.prepare('ROLLBACK TO unit'),
    };
  }

  /** Queues `run` (synchronous statements on the connection) for the next group; resolves after its commit. */
  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Pending);
      this.schedule();
    });
  }

  private schedule(delayMs = 0): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const go = () => { this.scheduled = false; this.flush(); };
    if (delayMs) setTimeout(go, delayMs); else setImmediate(go);
  }

  private flush(): void {
    if (!this.queue.length) return;
    if (this.db.inTransaction) {
      // Someone else's (TypeORM's) transaction: wait for its end, but not forever. A transaction that
      // itself waits for a unit would never end: the units fail, saying why, and it can go on.
      const now = Date.now();
      this.waitingSince ||= now;
      if (now - this.waitingSince < MAX_WAIT_FOR_OTHERS_MS) { this.schedule(1); return; }
      this.waitingSince = 0;
      this.fail(this.queue.splice(0), new Error(`SQLite: units of work waited ${MAX_WAIT_FOR_OTHERS_MS} ms for a transaction to end; do not run them inside ctx.db.transaction()`));
      return;
    }
    this.waitingSince = 0;
    const batch = this.queue.splice(0, MAX_UNITS);
    const careful = this.careful;
    this.careful = false;
    const values: unknown[] = [];
    const failed = new Set<number>();
    try {
      this.tx.begin.run();
    } catch (err) {
      this.fail(batch, err);
      return;
    }
    try {
      for (let i = 0; i < batch.length; i++) {
        if (careful) {
          // One unit's failure undoes only that unit.
          this.tx.savepoint.run();
          try {
            values.push(batch[i].run());
            this.tx.release.run();
          } catch (err) {
            this.tx.rollbackTo.run();
            this.tx.release.run();
            batch[i].reject(err);
            failed.add(i);
            values.push(undefined);
          }
          continue;
        }
        try {
          values.push(batch[i].run());
        } catch (err) {
          this.rollback();
          batch[i].reject(err);
          this.queue.unshift(...batch.slice(0, i), ...batch.slice(i + 1)); // again, first, in the same order
          this.careful = true;
          this.schedule();
          return;
        }
      }
    } catch (err) {
      // The savepoint bookkeeping itself failed: nothing of this group is stored.
      this.rollback();
      this.fail(batch, err);
      return;
    }
    try {
      this.tx.commit.run();
    } catch (err) {
      this.rollback();
      this.fail(batch, err); // nothing of this group is stored
      return;
    }
    this.stats.units += batch.length - failed.size;
    this.stats.commits++;
    batch.forEach((u, i) => { if (!failed.has(i)) u.resolve(values[i]); });
    if (this.queue.length) this.schedule();
  }

  private fail(batch: Pending[], err: unknown): void {
    batch.forEach((u) => u.reject(err));
    if (this.queue.length) this.schedule();
  }

  private rollback(): void {
    try { if (this.db.inTransaction) this.tx.rollback.run(); } catch { /* the connection reports it on next use */ }
  }
}
