// The world of the gateway benchmarks: the real app in its own process (SQLite as `npm start`
// runs it, or MariaDB with --db mysql), a Telegram and a WhatsApp channel pointed at a fake
// platform on 127.0.0.1, 100 agents online on real sockets, and 1,000 customer conversations
// already assigned (10 per agent), so that measured messages take the whole path:
// verify → store → switch → agent socket.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { Cluster, type BenchAgent } from '../routing-cluster.js';
import { SHAPES, shapesNamed, stampOf, type WebhookShape } from './webhook-shapes.js';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export interface GatewayWorld {
  cluster: Cluster;
  agents: BenchAgent[];
  fake: FakePlatform;
  channels: { shape: WebhookShape; path: string }[];
  /** Conversation id of each customer (index = user number), learnt from the assignments. */
  conversationOf: Map<number, string>;
  /** The agent each conversation was assigned to. */
  holderOf: Map<string, BenchAgent>;
  users: number;
  /** Every text an agent socket received (assignments and new messages), with when. */
  onAgentText(fn: (text: string, at: number) => void): void;
  stop(): Promise<void>;
}

export function args(): Record<string, string> {
  const out: Record<string, string> = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) if (a[i].startsWith('--')) out[a[i].slice(2)] = a[i + 1]?.startsWith('--') || a[i + 1] === undefined ? 'true' : a[++i];
  return out;
}

/** The platform side: answers Telegram and WhatsApp sends and times each text it receives. */
export class FakePlatform {
  url = '';
  private server!: http.Server;
  private seq = 0;
  received = 0;
  onText?: (text: string, at: number) => void;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = Date.now();
        const urlPath = (req.url ?? '').split('?')[0];
        let body: any;
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
        const shape = SHAPES.find((s) => s.sendPath.test(urlPath));
        const text = urlPath === '/relay' ? body?.text : shape?.sentText(body);
        this.received++;
        if (text) this.onText?.(text, at);
        const answer = shape ? shape.sendAnswer(++this.seq) : { ok: true };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> { return new Promise((r) => { this.server.closeAllConnections(); this.server.close(() => r()); }); }
}

export async function startWorld(o: { db: 'sqlite' | 'mysql'; agents: number; users: number; platforms?: string }): Promise<GatewayWorld> {
  const fake = await new FakePlatform().start();
  const cluster = await Cluster.start({ LOG_LEVEL: 'error' }, { db: o.db });
  const queueId = await cluster.createQueue(`gateway bench ${Date.now()}`);
  const channels: GatewayWorld['channels'] = [];
  for (const shape of shapesNamed(o.platforms)) {
    const ch = await cluster.api('POST', '/api/v1/channels', { platform: shape.platform, name: `bench ${shape.platform}`, queueId, config: shape.config(fake.url) });
    channels.push({ shape, path: `/webhooks/${ch.id}` });
  }
  const capacity = Math.ceil(o.users / o.agents) + 1;
  const agents = await cluster.createAgents(o.agents, queueId, capacity);
  const listeners: ((text: string, at: number) => void)[] = [];
  const conversationOf = new Map<number, string>();
  const holderOf = new Map<string, BenchAgent>();
  const userOfText = (t: string | undefined) => { const m = t ? /^warm (\d+)$/.exec(t) : null; return m ? Number(m[1]) : undefined; };
  for (const a of agents) {
    a.socket!.on('conversation:assigned', (p: { conversation: { id: string }; messages: { text?: string }[] }) => {
      const at = Date.now();
      holderOf.set(p.conversation.id, a);
      for (const m of p.messages) {
        const u = userOfText(m.text);
        if (u !== undefined) conversationOf.set(u, p.conversation.id);
        if (m.text) listeners.forEach((fn) => fn(m.text!, at));
      }
    });
    a.socket!.on('message:new', (p: { message: { text?: string; sender?: string } }) => {
      if (p.message.sender !== 'customer' || !p.message.text) return;
      const at = Date.now();
      listeners.forEach((fn) => fn(p.message.text!, at));
    });
  }
  await Cluster.setOnline(agents);

  // Warm-up: every customer writes once, so that 1,000 conversations are open and assigned.
  let seq = 1;
  const world: GatewayWorld = {
    cluster, agents, fake, channels, conversationOf, holderOf, users: o.users,
    onAgentText: (fn) => listeners.push(fn),
    async stop() {
      await Cluster.setOnline(agents, 'offline').catch(() => {});
      agents.forEach((a) => a.socket!.close());
      await cluster.stop();
      await fake.close();
    },
  };
  for (let start = 0; start < o.users; start += 50) {
    await Promise.all(Array.from({ length: Math.min(50, o.users - start) }, async (_, i) => {
      const user = start + i;
      const { shape, path: p } = channels[user % channels.length];
      const r = shape.request(p, user, seq++, `warm ${user}`);
      const res = await fetch(cluster.urls[0] + r.path, { method: 'POST', headers: r.headers, body: r.body });
      if (res.status !== 200) throw new Error(`warm-up webhook for ${shape.platform} answered ${res.status}: ${await res.text()}`);
    }));
  }
  const until = Date.now() + 60_000;
  while (conversationOf.size < o.users && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (conversationOf.size < o.users) throw new Error(`only ${conversationOf.size} of ${o.users} conversations were assigned within 60 s`);
  nextSeq = seq;
  return world;
}

let nextSeq = 1;
/** A fresh platform message number (message ids must never repeat: they are the dedup keys). */
export const freshSeq = () => nextSeq++;

/**
 * Runs autocannon (no pipelining) against `url`, each request a new customer message of the
 * given shapes, round robin over the users. `overallRate` fixes the rate; otherwise as fast as
 * the server answers.
 */
export async function load(o: { url: string; channels: GatewayWorld['channels']; users: number; seconds: number; connections: number; overallRate?: number; text: (seq: number) => string }): Promise<autocannon.Result> {
  let n = 0;
  const instance = autocannon({
    url: o.url, connections: o.connections, pipelining: 1, duration: o.seconds, ...(o.overallRate ? { overallRate: o.overallRate } : {}),
    requests: [{
      method: 'POST',
      setupRequest: (req: any) => {
        const user = n++ % o.users;
        const seq = freshSeq();
        const { shape, path: p } = o.channels[user % o.channels.length];
        const r = shape.request(p, user, seq, o.text(seq));
        return { ...req, path: r.path, headers: r.headers, body: r.body };
      },
    }],
  });
  return await instance;
}

/** A baseline server process (see baseline-server.ts); resolves with its URL. */
export async function startBaseline(mode: 'ingest' | 'emit' | 'relay', platformUrl = ''): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/gateway/baseline-server.ts', mode, platformUrl], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => { out += d; const m = /listening (\d+)/.exec(out); if (m) resolve(`http://127.0.0.1:${m[1]}`); });
    child.once('exit', (code) => reject(new Error(`baseline server exited (${code})`)));
  });
  return { url, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) };
}

/**
 * Tells texts seen before from new ones. Every text a benchmark sends is unique (it carries its
 * own number), so one seen again is a message delivered twice: counted in `twice`, never hidden.
 */
export function repeats(): { first: (text: string) => boolean; twice: () => number; clear: () => void } {
  const seen = new Set<string>();
  let twice = 0;
  return {
    first: (text) => {
      if (seen.has(text)) { twice++; return false; }
      seen.add(text);
      return true;
    },
    twice: () => twice,
    clear: () => { seen.clear(); twice = 0; },
  };
}

/** Latency samples of texts stamped with their send time, collected while `run` goes; a text seen again is counted in `twice`, not sampled. */
export function latencyCollector(): { samples: number[]; twice: () => number; onText: (text: string, at: number) => void } {
  const samples: number[] = [];
  const seen = repeats();
  return {
    samples,
    twice: seen.twice,
    onText: (text, at) => {
      const t = stampOf(text);
      if (t !== undefined && seen.first(text)) samples.push(at - t);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
