// A test deployment for media suites: the real app on SQLite with the local folder store, or on
// MariaDB with S3 (s3rver), so that each database and each store driver is exercised end to end.
import fs from 'node:fs';
import path from 'node:path';
import * as Minio from 'minio';
import type { DbKind } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { s3Env, startS3, type TestS3 } from '../helpers/s3-server.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { TenantEntity, UserEntity } from '../../shared/db/entities/index.js';
import { newId } from '../../shared/ids.js';

export interface MediaApp {
  app: TestApp;
  store: 'local' | 's3';
  /** Every object key in the store, for "nothing was stored" assertions. */
  objectKeys(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startMediaApp(db: DbKind, env: Record<string, string> = {}): Promise<MediaApp> {
  const s3: TestS3 | undefined = db === 'mysql' ? await startS3() : undefined;
  const app = await startTestApp({ db, env: { ...(s3 ? s3Env(s3) : {}), ...env } });
  return {
    app,
    store: s3 ? 's3' : 'local',
    async objectKeys() {
      if (!s3) return walk(path.join(app.db.dataDir, 'media'));
      const client = new Minio.Client({ endPoint: '127.0.0.1', port: Number(new URL(s3.url).port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, pathStyle: true });
      const keys: string[] = [];
      for await (const o of client.listObjectsV2(s3.bucket, '', true)) if (o.name) keys.push(o.name);
      return keys.sort();
    },
    async stop() {
      await app.stop();
      await s3?.stop();
    },
  };
}

function walk(root: string, prefix = ''): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(root, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`])).sort();
}

/** POST a file as multipart/form-data, the way a browser's FormData does. */
export async function upload(url: string, body: Buffer, fileName: string, opts: { token?: string; type?: string; headers?: Record<string, string> } = {}) {
  const form = new FormData();
  form.append('note', 'a field before the file, which is ignored');
  form.append('file', new Blob([new Uint8Array(body)], { type: opts.type ?? 'application/octet-stream' }), fileName);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, { method: 'POST', body: form, headers });
  const textBody = await res.text();
  let json: any;
  try { json = JSON.parse(textBody); } catch { json = textBody; }
  return { status: res.status, body: json, headers: res.headers };
}

/** GET with a bearer token (or none), the raw bytes and headers. */
export async function download(url: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, redirect: 'manual' });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** A second tenant with its own admin, written straight to the database. */
export async function createOtherTenant(app: TestApp, slug = 'other'): Promise<{ tenantId: string; token: string }> {
  const tenantId = newId();
  const m = app.ctx.db.manager;
  await m.insert(TenantEntity, { id: tenantId, slug, name: 'Other Company', createdAt: new Date() });
  await m.insert(UserEntity, {
    id: newId(), tenantId, name: 'Olga Other', email: 'admin@other.local', passwordHash: await hashPassword('other-pass'),
    role: 'admin', skills: [], capacity: 3, createdAt: new Date(), disabledAt: null,
  });
  return { tenantId, token: await app.login('admin@other.local', 'other-pass', slug) };
}

/** The same path and query on the test server: links are absolute on PUBLIC_URL, which tests cannot know before listening. */
export function onServer(app: TestApp, link: string): string {
  const u = new URL(link);
  return `${app.url}${u.pathname}${u.search}`;
}

export async function waitFor(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}
