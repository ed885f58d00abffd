// Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits past
// 1,000 WAL pages copies them into the database file and syncs it, inside that COMMIT: better-sqlite3
// is synchronous, so every request of the process waited 15–20 ms each time (measured here: p99 of
// a 20-insert commit 15.6 ms with automatic checkpoints, 0.7 ms without). Here a worker thread
// with its own connection checkpoints (PASSIVE: never waiting for, nor blocking, our writer) every
// so often, and the main connection does none. Should the worker fail, the main connection takes
// automatic checkpoints back, as before.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const AUTOMATIC_PAGES = 1000; // SQLite's default, restored if the worker is gone

// An eval'd CommonJS worker: it needs no file of its own, so it runs the same from sources (tsx) and from the build.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(private readonly db: BetterSqlite3.Database, onProblem: (message: string) => void, intervalMs = 500) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { driver, file: db.name, intervalMs } });
    this.worker.unref();
    db.pragma('wal_autocheckpoint = 0');
    const takeBack = (why: string) => {
      if (this.stopped) return;
      this.stopped = true;
      try { db.pragma(`wal_autocheckpoint = ${AUTOMATIC_PAGES}`); } catch { /* closed meanwhile */ }
      onProblem(`SQLite checkpoints are back on the main thread: ${why}`);
    };
    let reportedAt = 0; // a failing checkpoint is told once a minute, not twice a second
    this.worker.on('message', (m: { error?: string }) => {
      if (!m.error || Date.now() - reportedAt < 60_000) return;
      reportedAt = Date.now();
      onProblem(`SQLite checkpoint failed (the log grows until one succeeds): ${m.error}`);
    });
    this.worker.on('error', (err) => takeBack(err.message));
    this.worker.on('exit', (code) => { if (code !== 0) takeBack(`the checkpoint thread ended (${code})`); });
  }

  /** A last checkpoint, then the worker's connection closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => { void this.worker.terminate().finally(resolve); }, 5000);
      this.worker.once('exit', () => { clearTimeout(timer); resolve(); });
    });
    this.worker.postMessage('stop');
    await done;
    try { this.db.pragma(`wal_autocheckpoint = ${AUTOMATIC_PAGES}`); } catch { /* the connection is closed already */ }
  }
}
