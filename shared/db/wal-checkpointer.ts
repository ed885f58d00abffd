// Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits past
// 1,000 WAL pages copies them into the database file and syncs it, inside that COMMIT: better-sqlite3
// is synchronous, so every request of the process waited 15–20 ms each time (measured here: p99 of
// a 20-insert commit 15.6 ms with automatic checkpoints, 0.7 ms without). Here a worker thread
// with its own connection checkpoints (PASSIVE: never waiting for, nor blocking, our writer) every
// so often, and the main connection does none. Should the worker fail, the main connection takes
// automatic checkpoints back, as before.
//
// A checkpoint alone does not shorten the log: the writer starts it over from its beginning only
// if, when a write begins, every frame in it has been copied. Under steady writes some always
// arrive while a checkpoint runs, so the log grew for as long as the load lasted: 135 MB in 30 s
// of 500 replies a second, 535 MB in 4 s of units-of-work.test.ts's writers (measured). That is
// disk taken, a longer wal-index for every read, and a longer recovery when the process restarts
// after a crash, which reads the whole log. So once the log holds RESTART_FRAMES or more, the
// writer pauses while the worker copies the last frames (holdWrites: units queue meanwhile, the
// event loop does not wait), and its next commit starts the log over. The pause is one
// checkpoint, at most MAX_HOLD_MS; journal_size_limit then cuts back a file that a burst made
// larger. (Commits that overwrite the file's blocks instead of adding new ones did not make the WAL
// syncs measurably faster here: bench:outbound's slow syncs and p99 moved within noise.)
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const AUTOMATIC_PAGES = 1000; // SQLite's default, restored if the worker is gone
/**
 * A log this long (in frames: 32 MB with 4 KiB pages) is started over. Each time costs a pause of
 * one checkpoint. The worker first copies twice without a pause, so that little is left for it:
 * under bench:ingest's full load, holds went from 10–40 ms each (7% of the time with a 4 MB limit,
 * up to 4.5% with this one, copying once) to 6–15 ms, 1–11 times in 10 s (at most 1.6% of the
 * time); at 500 replies a second they take 1–5 ms.
 */
const RESTART_FRAMES = 8192;
/** The longest writes are held for the last frames to be copied; past it they go on, and the log is started over another time. */
const MAX_HOLD_MS = 50;
/** On restart, a longer log file is cut back to this: twice the restart length, so that a log started over on time reuses the blocks it has. */
const WAL_FILE_LIMIT_BYTES = 64 * 1024 * 1024;

// An eval'd CommonJS worker: it needs no file of its own, so it runs the same from sources (tsx) and from the build.
// It answers each checkpoint with the log's length and how much of it is copied (frames).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    return { log: r.log, copied: r.checkpointed, busy: r.busy };
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
    return null;
  }
};
const timer = setInterval(() => {
  let r = checkpoint();
  // A log to be started over: copy what came during that checkpoint too, so that little is left to copy with writes held.
  if (r && r.log >= workerData.restartFrames) r = checkpoint();
  if (r) parentPort.postMessage({ checkpointed: r });
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m && m.catchUp) { parentPort.postMessage({ caughtUp: checkpoint(), hold: m.catchUp }); return; }
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
`;

interface CheckpointResult { log: number; copied: number; busy: number }
type WorkerMessage = { error: string } | { checkpointed: CheckpointResult } | { caughtUp: CheckpointResult | null; hold: number } | { stopped: true };

export interface WalCheckpointerOptions {
  /** Hears of trouble with the checkpoints, in a sentence for the log. */
  onProblem: (message: string) => void;
  /** Keeps the writer (the group commit) from committing until `until` settles; without it the log is never started over under load. */
  holdWrites?: (until: Promise<void>) => void;
  intervalMs?: number;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;
  /** Ends the current hold on writes, if one is on. */
  private endHold?: () => void;
  /** The log's length at the last checkpoint (frames). */
  private lastLog = -1;
  /** Times the writer paused for the log to be caught up, times it was (the next commit starts it over), and how long writes were held in all (seconds). */
  readonly stats = { holds: 0, caughtUp: 0, heldSeconds: 0 };

  constructor(private readonly db: BetterSqlite3.Database, private readonly o: WalCheckpointerOptions) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { driver, file: db.name, intervalMs: o.intervalMs ?? 500, restartFrames: RESTART_FRAMES } });
    this.worker.unref();
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${WAL_FILE_LIMIT_BYTES}`);
    const takeBack = (why: string) => {
      if (this.stopped) return;
      this.stopped = true;
      this.endHold?.();
      try { db.pragma(`wal_autocheckpoint = ${AUTOMATIC_PAGES}`); } catch { /* closed meanwhile */ }
      o.onProblem(`SQLite checkpoints are back on the main thread: ${why}`);
    };
    let reportedAt = 0; // a failing checkpoint is told once a minute, not twice a second
    this.worker.on('message', (m: WorkerMessage) => {
      if ('checkpointed' in m) this.afterCheckpoint(m.checkpointed);
      else if ('caughtUp' in m) {
        if (m.hold !== this.stats.holds) return; // the answer to a hold that timed out
        if (m.caughtUp && m.caughtUp.busy === 0 && m.caughtUp.copied === m.caughtUp.log) this.stats.caughtUp++;
        this.endHold?.();
      } else if ('error' in m && Date.now() - reportedAt >= 60_000) {
        reportedAt = Date.now();
        o.onProblem(`SQLite checkpoint failed (the log grows until one succeeds): ${m.error}`);
      }
    });
    this.worker.on('error', (err) => takeBack(err.message));
    this.worker.on('exit', (code) => { if (code !== 0) takeBack(`the checkpoint thread ended (${code})`); });
  }

  /**
   * After a checkpoint in its own time: a log long enough is caught up with writes held, so that
   * the next commit starts it over. (The checkpoint copied what the log held when it began; under
   * load more has come since.)
   */
  private afterCheckpoint(r: CheckpointResult): void {
    // A log that has not moved since the checkpoint before is all copied: the next write starts it over unaided.
    const quiet = r.log === this.lastLog && r.copied === r.log;
    this.lastLog = r.log;
    if (!this.o.holdWrites || this.stopped || this.endHold || r.log < RESTART_FRAMES || quiet) return;
    const started = performance.now();
    this.stats.holds++;
    this.o.holdWrites(new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.endHold?.(), MAX_HOLD_MS);
      this.endHold = () => {
        clearTimeout(timer);
        this.endHold = undefined;
        this.stats.heldSeconds += (performance.now() - started) / 1000;
        resolve();
      };
    }));
    this.worker.postMessage({ catchUp: this.stats.holds });
  }

  /** A last checkpoint, then the worker's connection closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.endHold?.();
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => { void this.worker.terminate().finally(resolve); }, 5000);
      this.worker.once('exit', () => { clearTimeout(timer); resolve(); });
    });
    this.worker.postMessage('stop');
    await done;
    try { this.db.pragma(`wal_autocheckpoint = ${AUTOMATIC_PAGES}`); } catch { /* the connection is closed already */ }
  }
}
