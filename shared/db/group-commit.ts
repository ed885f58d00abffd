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
//
// The fsync that makes a commit durable runs off the event loop. The connection commits with
// synchronous = FULL, which syncs the WAL inside COMMIT: 120 µs of CPU and 250 µs of a stalled
// event loop per commit on our machines, a third of the whole process's time at 500 replies a
// second. A group instead commits with synchronous = NORMAL (the WAL is written, not synced:
// 14 µs) and then syncs the WAL file with fdatasync on libuv's thread pool; its units resolve only
// once that sync is done, so what they acknowledge is on disk exactly as with FULL. Commits made
// while a sync is running wait for the next one, which covers them all. Every other write on the
// connection (TypeORM's) still commits with FULL. Should a sync fail, its units fail (their writes
// may not survive a power cut, so their callers must not acknowledge them) and the connection
// goes back to syncing inside COMMIT for good. A reader outside the units (Rows.findOne) may see a
// group's rows during the sync, a fraction of a millisecond before they are durable; nothing
// acknowledged rests on such a read, since units resolve after the sync that covers every commit
// before theirs.
import fs from 'node:fs';
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
  /**
   * Units run, transactions committed and WAL syncs done off the event loop, for tests and metrics;
   * `syncSeconds` is the time from each sync's start until its acknowledgements ran (the disk's
   * time, plus the event loop's delay in hearing of it).
   */
  readonly stats = { units: 0, commits: 0, syncs: 0, syncSeconds: 0 };
  /** Told the duration of every WAL sync, in seconds (for a histogram: a disk's stalls show in its tail, not in the mean). */
  readonly syncObservers: ((seconds: number) => void)[] = [];

  /** Prepared once, not parsed on every flush. */
  private readonly tx: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo' | 'relax' | 'strict', BetterSqlite3.Statement>;
  /** The WAL file, opened for fdatasync; undefined when commits sync inside COMMIT (in memory, or after a failed sync). */
  private wal?: number;
  /** Acknowledgements waiting for the sync in flight (`syncing`) or for the next one. */
  private afterSync: ((err?: Error) => void)[] = [];
  private syncing: Promise<void> | null = null;
  private syncFailure?: Error;
  /** While set, no group commits (hold). */
  private held: Promise<void> | null = null;

  /** `onProblem` hears, in a sentence for the log, that syncing off the event loop failed and stopped. */
  constructor(private readonly db: BetterSqlite3.Database, private readonly onProblem: (message: string) => void = () => {}) {
    this.tx = {
      begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT unit'), release: db.prepare('RELEASE unit'), rollbackTo: db.prepare('ROLLBACK TO unit'),
      relax: db.prepare('PRAGMA synchronous = NORMAL'), strict: db.prepare('PRAGMA synchronous = FULL'),
    };
    const journal = db.pragma('journal_mode', { simple: true });
    if (!db.memory && !db.readonly && journal === 'wal') {
      try { this.wal = fs.openSync(`${db.name}-wal`, 'r'); } catch { /* no WAL file yet: commits sync inside COMMIT */ }
    }
  }

  /** True while groups commit without a sync and sync the WAL off the event loop. */
  get syncsOffTheEventLoop(): boolean { return this.wal !== undefined; }

  /** Waits for the sync in flight and closes the WAL file; the connection syncs inside COMMIT from now on. */
  async close(): Promise<void> {
    while (this.syncing) await this.syncing;
    this.stopSyncing();
  }

  /**
   * Commits no group until `until` settles; units queue meanwhile, and go in the first group after.
   * (The WAL checkpointer holds writes for a moment so that the log can be started over.)
   */
  hold(until: Promise<void>): void {
    const held: Promise<void> = until.catch(() => {}).then(() => {
      if (this.held !== held) return;
      this.held = null;
      if (this.queue.length) this.schedule();
    });
    this.held = held;
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
    if (!this.queue.length || this.held) return;
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
    const relaxed = this.wal !== undefined;
    if (relaxed) {
      try {
        this.tx.relax.run();
      } catch (err) {
        this.fail(batch, err); // the connection is closed, say: nothing of this group is stored
        return;
      }
    }
    this.commitGroup(batch, careful); // settles every unit of the batch; never throws
    if (relaxed) {
      try {
        this.tx.strict.run();
      } catch (err) {
        this.onProblem(`SQLite: could not set synchronous back to FULL after a group commit (${(err as Error).message}); writes outside units of work may not survive a power cut`);
      }
    }
  }

  /** BEGIN, the units, COMMIT; then their promises settle (after the WAL sync, when it runs off the loop). */
  private commitGroup(batch: Pending[], careful: boolean): void {
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
    const acknowledge = (err?: Error) => batch.forEach((u, i) => { if (!failed.has(i)) { if (err) u.reject(err); else u.resolve(values[i]); } });
    if (this.wal === undefined) acknowledge();
    else this.whenSynced(acknowledge);
    if (this.queue.length) this.schedule();
  }

  /** Runs `ack` once the WAL is on disk: after the next sync to start, which covers every commit so far. */
  private whenSynced(ack: (err?: Error) => void): void {
    this.afterSync.push(ack);
    if (!this.syncing) this.syncing = this.sync();
  }

  private async sync(): Promise<void> {
    while (this.afterSync.length) {
      const acks = this.afterSync;
      this.afterSync = [];
      const wal = this.wal;
      let failure = this.syncFailure;
      if (wal !== undefined) {
        try {
          const started = performance.now();
          await new Promise<void>((resolve, reject) => fs.fdatasync(wal, (err) => (err ? reject(err) : resolve())));
          const seconds = (performance.now() - started) / 1000;
          this.stats.syncs++;
          this.stats.syncSeconds += seconds;
          for (const observe of this.syncObservers) observe(seconds);
        } catch (err) {
          failure = this.syncFailure = new Error(`SQLite: the write-ahead log could not be synced to disk (${(err as Error).message}); the write may not survive a power cut, so it is not acknowledged`);
          this.onProblem(`${failure.message}. Commits sync inside COMMIT from now on.`);
          this.stopSyncing();
        }
      }
      acks.forEach((ack) => ack(failure)); // commits made before a failed sync were never synced: they fail too
    }
    this.syncing = null;
  }

  private stopSyncing(): void {
    if (this.wal === undefined) return;
    try { fs.closeSync(this.wal); } catch { /* closed already */ }
    this.wal = undefined;
  }

  private fail(batch: Pending[], err: unknown): void {
    batch.forEach((u) => u.reject(err));
    if (this.queue.length) this.schedule();
  }

  private rollback(): void {
    try { if (this.db.inTransaction) this.tx.rollback.run(); } catch { /* the connection reports it on next use */ }
  }
}
