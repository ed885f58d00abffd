// The app's own counters (GET /metrics) around a measured stretch: how busy its event loop was and
// how SQLite grouped the writes, so that a benchmark's figures say where the time went.

export interface AppMetrics { at: number; values: Map<string, number> }

/** One scrape of the app's metrics: the callcenter_* figures without labels. */
export async function appMetrics(url: string): Promise<AppMetrics> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(callcenter_[a-z_]+) ([0-9.e+-]+)$/.exec(line);
    if (m) values.set(m[1], Number(m[2]));
  }
  return { at: Date.now(), values };
}

/** Between two scrapes: the event loop's busy share (since the scrape before `b`), and SQLite's group commits. */
export function writesBetween(a: AppMetrics, b: AppMetrics) {
  const d = (name: string) => (b.values.get(name) ?? NaN) - (a.values.get(name) ?? NaN);
  const commits = d('callcenter_sqlite_group_commits_total');
  const syncs = d('callcenter_sqlite_wal_syncs_total');
  return {
    loopBusy: b.values.get('callcenter_event_loop_utilization'),
    ...(Number.isFinite(commits) && commits > 0 ? {
      unitsPerCommit: d('callcenter_sqlite_units_total') / commits,
      commitsPerSecond: commits / ((b.at - a.at) / 1000),
      msPerSync: syncs > 0 ? (1000 * d('callcenter_sqlite_wal_sync_seconds_total')) / syncs : 0,
    } : {}),
  };
}
