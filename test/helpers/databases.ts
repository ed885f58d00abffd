// The databases every storage-facing suite runs on: SQLite (a temporary file) and MariaDB
// (a scratch database the suite creates and drops).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export type DbKind = 'sqlite' | 'mysql';
export const DB_KINDS: DbKind[] = (process.env.TEST_DATABASES?.split(',') as DbKind[] | undefined) ?? ['sqlite', 'mysql'];
export const MYSQL_ROOT = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface ScratchDatabase { url: string; dataDir: string; drop(): Promise<void> }

/** A fresh empty database of the given kind, plus a temporary data folder. */
export async function scratchDatabase(kind: DbKind): Promise<ScratchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-test-'));
  if (kind === 'sqlite') {
    return { url: `sqlite:${path.join(dataDir, 'test.sqlite')}`, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `cc_test_${randomBytes(5).toString('hex')}`;
  const u = new URL(MYSQL_ROOT);
  const admin = () => mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || 'root', password: decodeURIComponent(u.password) });
  return {
    url: `${MYSQL_ROOT}/${name}`,
    dataDir,
    drop: async () => {
      const c = await admin();
      try { await c.query(`DROP DATABASE IF EXISTS \`${name}\``); } finally { await c.end(); }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
