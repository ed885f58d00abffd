// What a process tells Prometheus on GET /metrics beyond prom-client's defaults: how busy its
// event loop is, how its writes are grouped (SQLite and MySQL), and on SQLite how long the disk
// took to sync them. Together they say where capacity goes: a loop busy near 1 means the process
// is the limit; long syncs, that the disk is.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Rows } from './db/rows.js';

/** The bounds (seconds) of the WAL sync duration histogram's buckets. */
export const WAL_SYNC_BUCKETS_SECONDS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1];

export function createMetrics(rows: Rows): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  let since: EventLoopUtilization = performance.eventLoopUtilization();
  new Gauge({
    name: 'callcenter_event_loop_utilization',
    help: 'Share of the time since the previous scrape that the event loop was busy (0-1); near 1, the process is the bottleneck',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, since).utilization);
      since = now;
    },
  });

  /** A counter read, at each scrape, from figures the process keeps anyway. */
  const counter = (name: string, help: string, value: () => number) => new Counter({
    name, help, registers: [registry],
    collect() { this.reset(); this.inc(value()); },
  });

  if (rows.groupCommit) {
    const g = () => rows.groupCommit!;
    counter('callcenter_sqlite_units_total', 'Units of work (stored webhooks, replies) committed on SQLite', () => g().units);
    counter('callcenter_sqlite_group_commits_total', 'SQLite transactions that committed a group of units', () => g().commits);
    counter('callcenter_sqlite_wal_syncs_total', 'Syncs of the write-ahead log made off the event loop', () => g().syncs);
    counter('callcenter_sqlite_wal_sync_seconds_total', 'Time from each write-ahead log sync\'s start until its writes were acknowledged', () => g().syncSeconds);
    // Every acknowledged write waits for one of these syncs: a disk that stalls now and then shows
    // here, in the tail, long before it moves the mean.
    const syncs = new Histogram({
      name: 'callcenter_sqlite_wal_sync_duration_seconds',
      help: 'Duration of each write-ahead log sync (fdatasync) that acknowledged writes waited for',
      buckets: WAL_SYNC_BUCKETS_SECONDS,
      registers: [registry],
    });
    rows.observeWalSyncs((seconds) => syncs.observe(seconds));
  }
  const m = rows.mysqlGroups;
  if (m) {
    // Units that arrive together share a transaction and its round trips (mysql-units.ts): units
    // per group says how well; groups run again, how often one failure made a group go unit by unit.
    counter('callcenter_mysql_units_total', 'Units of work (stored webhooks and replies, single reads and writes) committed on MySQL', () => m.units);
    counter('callcenter_mysql_groups_total', 'MySQL transactions that committed a group of units (a unit alone counts as one)', () => m.groups);
    counter('callcenter_mysql_groups_run_again_total', 'Groups of units rolled back after a failure and run again unit by unit', () => m.groupsRunAgain);
    counter('callcenter_mysql_unit_queries_total', 'Queries (round trips) the units of work sent to MySQL, COMMIT and ROLLBACK included', () => m.queries);
  }
  const w = rows.walCheckpoints;
  if (w) {
    // Under steady writes the log is started over only after the writer pauses for its last frames
    // to be copied (wal-checkpointer.ts): how often, and how long units of work waited for it.
    counter('callcenter_sqlite_wal_write_holds_total', 'Times SQLite writes were held for the write-ahead log to be copied to its end and started over', () => w.holds);
    counter('callcenter_sqlite_wal_write_held_seconds_total', 'Time SQLite writes were held for the write-ahead log to be started over', () => w.heldSeconds);
  }
  return registry;
}
