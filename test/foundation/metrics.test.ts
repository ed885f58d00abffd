// GET /metrics as Prometheus scrapes it: the event loop's utilization, and on SQLite how writes
// were grouped (units, commits, WAL syncs and how long they took), moving as customers' messages
// are stored.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { customerSocket, emitAck } from '../helpers/sockets.js';

/** The value of a metric in Prometheus' text format, by its name with any labels as printed. */
function valueOf(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

for (const db of DB_KINDS) {
  describe(`metrics (${db})`, function () {
    let app: TestApp;
    before(async () => { app = await startTestApp({ db }); });
    after(async () => { await app.stop(); });

    const scrape = async () => {
      const res = await fetch(`${app.url}/metrics`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.contain('text/plain');
      return res.text();
    };

    /** A web chat customer sends three messages, each stored before its acknowledgement. */
    const threeCustomerMessages = async () => {
      const { socket } = await customerSocket(app.url, app.channelId);
      try {
        for (let i = 0; i < 3; i++) {
          const ack = await emitAck(socket, 'message:send', { text: `metrics ${i}`, clientMessageId: randomUUID() });
          expect(ack.ok).to.equal(true);
        }
      } finally {
        socket.close();
      }
    };

    it('tells how busy the event loop was since the previous scrape', async () => {
      await scrape();
      const elu = valueOf(await scrape(), 'callcenter_event_loop_utilization');
      expect(elu).to.be.a('number').within(0, 1);
      expect(valueOf(await scrape(), 'process_cpu_seconds_total')).to.be.a('number'); // prom-client's defaults are still there
    });

    if (db === 'sqlite') {
      it('counts the units, group commits and WAL syncs that stored customers\' messages', async () => {
        const before = await scrape();
        await threeCustomerMessages();
        const after = await scrape();
        const moved = (name: string) => valueOf(after, name)! - valueOf(before, name)!;
        expect(moved('callcenter_sqlite_units_total')).to.be.at.least(3);
        expect(moved('callcenter_sqlite_group_commits_total')).to.be.at.least(1);
        expect(moved('callcenter_sqlite_wal_syncs_total')).to.be.at.least(1);
        expect(moved('callcenter_sqlite_wal_sync_seconds_total')).to.be.greaterThan(0);
        // Each sync also lands in the histogram of sync durations, whose +Inf bucket counts them all.
        const inf = 'callcenter_sqlite_wal_sync_duration_seconds_bucket{le="+Inf"}';
        expect(moved(inf)).to.equal(moved('callcenter_sqlite_wal_syncs_total'));
        expect(valueOf(after, 'callcenter_sqlite_wal_sync_duration_seconds_count')).to.equal(valueOf(after, inf));
        // How often writes were held for the log to start over (units-of-work.test.ts makes them happen).
        expect(valueOf(after, 'callcenter_sqlite_wal_write_holds_total')).to.be.a('number').and.at.least(0);
        expect(valueOf(after, 'callcenter_sqlite_wal_write_held_seconds_total')).to.be.a('number').and.at.least(0);
        expect(after).not.to.contain('callcenter_mysql_');
      });
    } else {
      it('counts the units and groups that stored customers\' messages, and has no SQLite figures', async () => {
        const before = await scrape();
        await threeCustomerMessages();
        const text = await scrape();
        const moved = (name: string) => valueOf(text, name)! - valueOf(before, name)!;
        expect(moved('callcenter_mysql_units_total')).to.be.at.least(3);
        expect(moved('callcenter_mysql_groups_total')).to.be.at.least(1).and.at.most(moved('callcenter_mysql_units_total'));
        expect(valueOf(text, 'callcenter_mysql_groups_run_again_total')).to.be.a('number').and.at.least(0);
        expect(moved('callcenter_mysql_unit_queries_total'), 'at least a round trip per group').to.be.at.least(moved('callcenter_mysql_groups_total'));
        expect(valueOf(text, 'callcenter_sqlite_units_total')).to.equal(undefined);
        expect(text).not.to.contain('callcenter_sqlite_wal_sync_duration_seconds');
        expect(text).not.to.contain('callcenter_sqlite_wal_write_hold');
      });
    }
  });
}
