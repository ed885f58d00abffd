// Opens the database named by DATABASE_URL (SQLite file or MySQL/MariaDB) and runs pending migrations.
import path from 'node:path';
import fs from 'node:fs';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ALL_ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

export type Database = DataSource;

export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  const common = { entities: ALL_ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return {
      ...common, type: 'better-sqlite3', database: file,
      // WAL lets readers run beside the writer; a busy timeout instead of SQLITE_BUSY errors.
      // synchronous = FULL: each commit is on disk (fsync) before it returns, so a message we
      // acknowledged survives a power cut too, not only a crash of the process. The group commit
      // (group-commit.ts) pays one fsync for all the webhooks that arrived together, and makes it
      // off the event loop, with the same guarantee.
      prepareDatabase: (db: { pragma(s: string): unknown }) => { db.pragma('journal_mode = WAL'); db.pragma('busy_timeout = 5000'); db.pragma('synchronous = FULL'); },
    };
  }
  const u = new URL(databaseUrl);
  return {
    ...common, type: 'mysql',
    host: u.hostname, port: Number(u.port || 3306),
    username: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, ''),
    charset: 'utf8mb4_unicode_ci', timezone: 'Z',
    extra: { connectionLimit: Number(u.searchParams.get('connectionLimit') ?? 20) },
  };
}

/** Connects and brings the schema up to date. Throws with a clear message when it cannot. */
export async function openDatabase(databaseUrl: string): Promise<Database> {
  const options = dataSourceOptions(databaseUrl);
  if (options.type === 'mysql') await createMysqlDatabaseIfMissing(options as MysqlOptions);
  const ds = new DataSource(options);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

/** Where the database lives, without a password, for messages. */
export function describeDatabase(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return `SQLite file ${databaseUrl.slice(7)}`;
  const u = new URL(databaseUrl);
  return `MySQL at ${u.hostname}:${u.port || 3306}/${u.pathname.replace(/^\//, '')}`;
}

/** A fresh MySQL server has no database of ours yet: create it, as an operator would expect. */
type MysqlOptions = { host?: string; port?: number; username?: string; password?: string; database?: string };
async function createMysqlDatabaseIfMissing(o: MysqlOptions): Promise<void> {
  const mysql = await import('mysql2/promise');
  const conn = await mysql.createConnection({ host: o.host, port: o.port, user: o.username, password: o.password, connectTimeout: 5000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${String(o.database).replace(/`/g, '')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}
