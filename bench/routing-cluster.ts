// A deployment for the routing benchmark: real app processes (node dist/main.js, one OS process each)
// sharing a scratch MariaDB database and a Redis prefix, plus the benchmark's own connection to
// both, to create queues, agents and conversations quickly and to enqueue like any other process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { loadConfig } from '../shared/config.js';
import { createContext, closeContext, type Context } from '../shared/context.js';
import { createLogger } from '../shared/logger.js';
import { ConversationEntity, CustomerEntity, TenantEntity, type Conversation, type Customer } from '../shared/db/entities/index.js';
import { newId } from '../shared/ids.js';
import { createQueueMachine, type QueueMachine } from '../queue-machine/index.js';
import { agentSocket, emitAck, type AnySocket } from '../test/helpers/sockets.js';
import { deleteRedisPrefix } from '../test/helpers/test-app.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const MYSQL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface BenchAgent { id: string; token: string; socket?: AnySocket }

let built = false;
/**
 * The app as `npm start` runs it: compiled by `npm run build` (tsc and the browser bundles), not
 * run from source through tsx, whose on-the-fly compilation keeps function names with a call
 * at every closure made (bench:ingest gave about a tenth more with the build). Built once per
 * benchmark run.
 */
function buildApp(): void {
  if (built) return;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

export class Cluster {
  readonly urls: string[] = [];
  private stopping = false;
  private readonly children: ChildProcess[] = [];
  ctx!: Context;
  qm!: QueueMachine;
  tenantId = '';
  channelId = '';
  private admin = '';
  private constructor(private readonly env: Record<string, string>, private readonly dbName: string | null) {}

  /**
   * A deployment on a scratch MariaDB database (several processes can share it), or, with
   * `db: 'sqlite'`, on a SQLite file as `npm start` runs (one process only).
   */
  static async start(extraEnv: Record<string, string> = {}, o: { db?: 'mysql' | 'sqlite' } = {}): Promise<Cluster> {
    const tag = randomBytes(4).toString('hex');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-'));
    const dbName = o.db === 'sqlite' ? null : `cc_bench_${tag}`;
    const env = {
      DATABASE_URL: dbName ? `${MYSQL}/${dbName}` : `sqlite:${path.join(dataDir, 'bench.sqlite')}`,
      REDIS_PREFIX: `ccbench-${tag}`, SECRET_KEY: 'b'.repeat(64),
      DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: 'true',
      ...extraEnv,
    };
    const c = new Cluster(env, dbName);
    await c.addProcess();
    c.ctx = await createContext(loadConfig(env), createLogger('warn'));
    c.qm = createQueueMachine(c.ctx);
    c.tenantId = (await c.ctx.db.manager.findOneByOrFail(TenantEntity, { slug: 'demo' })).id;
    c.admin = await c.login('admin@demo.local', 'demo');
    c.channelId = (await c.api('POST', '/api/v1/channels', { platform: 'webchat', name: 'bench', config: {} })).id;
    return c;
  }

  /** The app processes' ids, for CPU figures (bench/process-cpu.ts). */
  get pids(): (number | undefined)[] { return this.children.map((c) => c.pid); }

  /** Starts one more app process of the deployment; resolves with its URL once it listens. */
  async addProcess(): Promise<string> {
    // BENCH_CPU_PROF=<dir>: each app process writes a V8 CPU profile there when it stops.
    // BENCH_NODE_FLAGS: more flags for node, e.g. "--log-maps --logfile=/tmp/v8.log" to see which
    // code makes new hidden classes under load, or "--trace-gc" with BENCH_APP_LOG.
    // BENCH_APP_LOG=<file>: everything the app processes print is appended there.
    const flags = [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ];
    buildApp();
    const child = spawn(process.execPath, [...flags, 'dist/main.js'], { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`app process did not start: ${out}`)), 60_000);
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /on port (\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(`http://127.0.0.1:${m[1]}`); }
      });
      child.stderr!.on('data', (d) => { out += d; });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`app process exited (${code}): ${out}`)); });
    });
    // An app that dies under load says why, instead of leaving the benchmark with refused connections.
    let tail = '';
    const keep = (d: Buffer) => { tail = (tail + d).slice(-4000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    if (process.env.BENCH_APP_LOG) {
      const log = fs.createWriteStream(process.env.BENCH_APP_LOG, { flags: 'a' });
      child.stdout!.pipe(log, { end: false }); // two streams into one file: neither ends it for the other
      child.stderr!.pipe(log, { end: false });
      child.once('exit', () => log.end());
    }
    child.once('exit', (code, signal) => {
      if (!this.stopping) console.error(`app process ${child.pid} exited (${signal ?? code}); its last output:\n${tail}`);
    });
    this.urls.push(url);
    return url;
  }

  async api(method: string, p: string, body?: unknown, token = this.admin): Promise<any> {
    const res = await fetch(this.urls[0] + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json().catch(() => undefined);
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async login(email: string, password: string): Promise<string> {
    const res = await fetch(this.urls[0] + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'demo', email, password }) });
    return ((await res.json()) as { token: string }).token;
  }

  async createQueue(name: string, settings: Record<string, unknown> = {}): Promise<string> {
    return (await this.api('POST', '/api/v1/queues', { name, ...settings })).id;
  }

  /** Agents of one queue, each with a console socket on the given process (round robin over them), left offline. */
  async createAgents(n: number, queueId: string, capacity: number, onUrls = this.urls): Promise<BenchAgent[]> {
    const agents: BenchAgent[] = [];
    for (let i = 0; i < n; i++) {
      const email = `bench-${randomBytes(5).toString('hex')}@demo.local`;
      const a = await this.api('POST', '/api/v1/agents', { name: `Bench ${i}`, email, password: 'bench', role: 'agent', queueIds: [queueId], capacity });
      const token = await this.login(email, 'bench');
      agents.push({ id: a.id, token, socket: await agentSocket(onUrls[i % onUrls.length], token) });
    }
    return agents;
  }

  static async setOnline(agents: BenchAgent[], status: 'online' | 'away' | 'offline' = 'online'): Promise<void> {
    await Promise.all(agents.map((a) => emitAck(a.socket!, 'agent:status', { status })));
  }

  /** Waiting conversations of web chat customers, written straight to the database (not yet queued). */
  async conversations(n: number, queueId: string): Promise<string[]> {
    const ids: string[] = [];
    const now = new Date();
    for (let start = 0; start < n; start += 250) {
      const customers: Customer[] = [];
      const convs: Conversation[] = [];
      for (let i = start; i < Math.min(n, start + 250); i++) {
        const id = newId();
        const customerId = newId();
        customers.push({ id: customerId, tenantId: this.tenantId, channelId: this.channelId, externalUserId: `v-${id}`, displayName: `Customer ${i}`, locale: null, avatarUrl: null, visitorTokenHash: null, openConversationId: id, createdAt: now });
        convs.push({ id, tenantId: this.tenantId, channelId: this.channelId, customerId, status: 'queued', queueId, agentId: null, priority: 0, createdAt: now, updatedAt: now, closedAt: null, disposition: null, lastMessageAt: null, queuedAt: now, assignedAt: null });
        ids.push(id);
      }
      await this.ctx.db.manager.insert(CustomerEntity, customers);
      await this.ctx.db.manager.insert(ConversationEntity, convs);
    }
    return ids;
  }

  enqueue(conversationId: string, queueId: string) {
    return this.qm.enqueue({ tenantId: this.tenantId, queueId, conversationId, kind: 'chat', platform: 'webchat' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.children) c.kill('SIGTERM');
    await Promise.all(this.children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await closeContext(this.ctx).catch(() => {});
    if (this.dbName) await dropMysqlDatabase(this.dbName);
    await deleteRedisPrefix(this.env.REDIS_PREFIX);
    fs.rmSync(this.env.DATA_DIR, { recursive: true, force: true });
  }
}

async function dropMysqlDatabase(dbName: string): Promise<void> {
  const u = new URL(MYSQL);
  const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || 'root', password: decodeURIComponent(u.password) });
  await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``).finally(() => conn.end());
}
