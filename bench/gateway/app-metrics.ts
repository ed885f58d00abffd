// The app's own counters (GET /metrics) around a measured stretch: how busy its event loop was and
// how SQLite or MySQL grouped the writes, so that a benchmark's figures say where the time went.
import { WAL_SYNC_BUCKETS_SECONDS } from '../../shared/metrics.js';

export interface AppMetrics { at: number; values: Map<string, number> }

/** One scrape of the app's metrics: the callcenter_* figures, by name with any labels as printed. */
export async function appMetrics(url: string): Promise<AppMetrics> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(callcenter_[a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
    if (m) values.set(m[1], Number(m[2]));
  }
  return { at: Date.now(), values };
}

/** Between two scrapes: the event loop's busy share (since the scrape before `b`), and SQLite's group commits or MySQL's groups. */
export function writesBetween(a: AppMetrics, b: AppMetrics) {
  const d = (name: string) => (b.values.get(name) ?? NaN) - (a.values.get(name) ?? NaN);
  const commits = d('callcenter_sqlite_group_commits_total');
  const syncs = d('callcenter_sqlite_wal_syncs_total');
  const groups = d('callcenter_mysql_groups_total');
  return {
    loopBusy: b.values.get('callcenter_event_loop_utilization'),
    ...(Number.isFinite(groups) && groups > 0 ? {
      mysql: {
        unitsPerGroup: d('callcenter_mysql_units_total') / groups,
        groupsPerSecond: groups / ((b.at - a.at) / 1000),
        groupsRunAgain: d('callcenter_mysql_groups_run_again_total'),
        queriesPerUnit: d('callcenter_mysql_unit_queries_total') / d('callcenter_mysql_units_total'),
      },
    } : {}),
    ...(Number.isFinite(commits) && commits > 0 ? {
      unitsPerCommit: d('callcenter_sqlite_units_total') / commits,
      commitsPerSecond: commits / ((b.at - a.at) / 1000),
      msPerSync: syncs > 0 ? (1000 * d('callcenter_sqlite_wal_sync_seconds_total')) / syncs : 0,
      slowSyncs: slowSyncs(d, syncs),
      holds: d('callcenter_sqlite_wal_write_holds_total'),
      heldMs: 1000 * d('callcenter_sqlite_wal_write_held_seconds_total'),
    } : {}),
  };
}

/** How many WAL syncs took over 10 ms, and the bound (ms) under which all of them ended: a disk's stalls. */
function slowSyncs(d: (name: string) => number, syncs: number): { over10Ms: number; allUnderMs: number | null } {
  const bucket = (le: number) => d(`callcenter_sqlite_wal_sync_duration_seconds_bucket{le="${le}"}`);
  const all = WAL_SYNC_BUCKETS_SECONDS.find((le) => bucket(le) === syncs);
  return { over10Ms: syncs - bucket(0.01), allUnderMs: all === undefined ? null : all * 1000 };
}

/** The line a benchmark prints about the app's event loop and the database's grouped writes; undefined when the app told nothing. */
export function describeWrites(w: ReturnType<typeof writesBetween>, unit: string): string | undefined {
  if (w.loopBusy === undefined) return undefined;
  const loop = `the app's event loop was ${Math.round(100 * w.loopBusy)}% busy`;
  if (w.mysql) return `${loop}; MySQL: ${w.mysql.unitsPerGroup.toFixed(1)} units of work (reads too) per group, ${Math.round(w.mysql.groupsPerSecond)} groups/s, ${w.mysql.queriesPerUnit.toFixed(2)} queries (round trips) per unit, ${w.mysql.groupsRunAgain} run again unit by unit`;
  if (w.unitsPerCommit === undefined) return loop;
  const slow = w.slowSyncs && Number.isFinite(w.slowSyncs.over10Ms)
    ? `, ${w.slowSyncs.over10Ms} of them over 10 ms${w.slowSyncs.over10Ms ? ` (all under ${w.slowSyncs.allUnderMs ?? 'over 1000'} ms)` : ''}`
    : '';
  const held = Number.isFinite(w.holds) ? `; writes held ${w.holds} times for the log to start over (${Math.round(w.heldMs!)} ms in all)` : '';
  return `${loop}; SQLite: ${w.unitsPerCommit.toFixed(1)} ${unit} per group commit, ${Math.round(w.commitsPerSecond!)} commits/s, WAL sync ${w.msPerSync!.toFixed(2)} ms on average${slow}${held}`;
}
