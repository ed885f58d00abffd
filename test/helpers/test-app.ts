// Starts the real application for a test: real HTTP on a free port, real Redis under a unique
// key prefix, a scratch database (SQLite or MariaDB), the demo tenant seeded.
import { randomBytes } from 'node:crypto';
import { startApp, type RunningApp } from '../../app.js';
import { loadConfig, type ServiceName, SERVICE_NAMES } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { scratchDatabase, type DbKind, type ScratchDatabase } from './databases.js';
import { Redis } from 'ioredis';

export interface TestApp extends RunningApp {
  db: ScratchDatabase;
  prefix: string;
  channelId: string;                       // the demo web chat channel
  login(email: string, password?: string, tenant?: string): Promise<string>;
  api<T = any>(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer }): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  db?: DbKind;
  services?: ServiceName[];
  env?: Record<string, string>;
  /** Share another app's database and Redis prefix: a second process of the same deployment. */
  sameDeploymentAs?: TestApp;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const shared = opts.sameDeploymentAs;
  const db = shared?.db ?? await scratchDatabase(opts.db ?? 'sqlite');
  const prefix = shared?.prefix ?? `cctest-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: db.dataDir, DATABASE_URL: db.url, REDIS_PREFIX: prefix,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SECRET_KEY: 'a'.repeat(64), JOB_BACKOFF_MS: '20', ...opts.env,
  });
  const running = await startApp(config, opts.services ?? [...SERVICE_NAMES], createLogger(config.logLevel));
  const url = running.url;
  const api: TestApp['api'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | Buffer | undefined = o.raw;
    if (o.body !== undefined) { body = JSON.stringify(o.body); headers['content-type'] ??= 'application/json'; }
    const res = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
  const app: TestApp = {
    ...running, db, prefix, channelId: running.demo?.channelId ?? '',
    api,
    async login(email, password = 'demo', tenant = 'demo') {
      const r = await api('POST', '/api/v1/auth/login', { body: { tenant, email, password } });
      if (r.status !== 200) throw new Error(`login ${email} failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    },
    async stop() {
      await running.close();
      if (!shared) {
        await db.drop();
        await deleteRedisPrefix(prefix);
      }
    },
  };
  return app;
}

/** Removes every Redis key a test deployment wrote. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const r = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
