// Group commit for SQLite. Each autocommitted write costs a WAL append of every page it touched
// (70–130 µs on our test machines); a webhook stores a message and touches its conversation, so
// at a thousand webhooks a second most of the database time was commits. Units of work queued in
// one turn of the event loop are run together, each in its own savepoint, in one transaction: a
// unit that fails is rolled back alone and its caller gets the error; the others commit together.
// A unit's promise resolves only after COMMIT, so nobody acknowledges what is not stored
// (DESIGN.md durability rule 1).
//
// A flush is synchronous from BEGIN to COMMIT (better-sqlite3 is synchronous), so no other code
// can slip a statement into the shared transaction. If an asynchronous TypeORM transaction is open
// on the connection when a flush is due, the flush waits for it to end rather than join it.
import type BetterSqlite3 from 'better-sqlite3';

interface Pending<T = unknown> { run: () => T; resolve: (v: T) => void; reject: (err: unknown) => void }

/** At most this many units per transaction, so one flush never holds the event loop for long. */
const MAX_UNITS = 200;

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Units run and transactions committed, for tests and metrics. */
  readonly stats = { units: 0, commits: 0 };

  /** Prepared once: parsing these on every unit was a tenth of a webhook's CPU time. */
  private readonly tx: Record<'begin' | 'savepoint' | 'release' | 'rollbackTo' | 'commit' | 'rollback', BetterSqlite3.Statement>;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.tx = {
      begin: db.prepare('BEGIN IMMEDIATE'), savepoint: db.prepare('SAVEPOINT unit'), release: db.prepare('RELEASE unit'),
      rollbackTo: db.prepare('ROLLBACK TO unit'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK'),
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
    if (this.db.inTransaction) { this.schedule(1); return; } // someone else's transaction: wait for its end
    const batch = this.queue.splice(0, MAX_UNITS);
    if (this.queue.length) this.schedule();
    try {
      this.tx.begin.run();
    } catch (err) {
      batch.forEach((u) => u.reject(err));
      return;
    }
    const done: [Pending, unknown][] = [];
    try {
      for (const u of batch) {
        this.tx.savepoint.run();
        try {
          const value = u.run();
          this.tx.release.run();
          done.push([u, value]);
        } catch (err) {
          this.tx.rollbackTo.run();
          this.tx.release.run();
          u.reject(err);
        }
      }
      this.tx.commit.run();
    } catch (err) {
      // The commit (or the savepoint bookkeeping) failed: nothing of this group is stored.
      try { if (this.db.inTransaction) this.tx.rollback.run(); } catch { /* the connection reports it on next use */ }
      batch.forEach((u) => u.reject(err)); // those already rejected keep their own error
      return;
    }
    this.stats.units += done.length;
    this.stats.commits++;
    for (const [u, value] of done) u.resolve(value);
  }
}
