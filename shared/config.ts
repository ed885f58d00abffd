// Reads the environment once at start, checks every value, and hands services a typed object.
// Services never read process.env themselves (STYLE.md 7).
import { z } from 'zod';
import path from 'node:path';

export const SERVICE_NAMES = ['gateway', 'switch', 'queue-machine', 'media-server', 'autoresponder', 'agent-console'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string;           // sqlite:<file> or mysql://user:pass@host:port/db
  redisUrl: string;
  redisPrefix: string;           // every Redis key we write starts with it
  secretKey?: string;            // 32 bytes, hex or base64; embedded default: generated under DATA_DIR
  storage: { kind: 'local'; dir: string } | { kind: 's3'; url: string; bucket: string; region: string; accessKey: string; secretKey: string };
  seedDemo: boolean;
  logLevel: string;
  limits: { messageChars: number; webhookBytes: number; webhookBodyMs: number; mediaBytes: number; widgetMediaBytes: number };
  mediaFetchAttempts: number;    // tries to fetch one inbound platform attachment before it is marked unavailable
  tokenTtlSeconds: number;
  workerConcurrency: number;
  jobBackoffMs: number;          // first retry delay of a failed job; doubles each attempt, with jitter
  sendsAtOnce: number;           // agents' replies sent straight from the process that stored them, at most this many at once
  routing: RoutingConfig;
}

/** The routing engine's timers and windows (a queue's own timers are in its settings). */
export interface RoutingConfig {
  disconnectGraceMs: number;      // an agent's conversations go back to their queues this long after their last socket left
  positionTextDelayMs: number;    // a customer on a messaging platform gets a first position text once they waited this long
  positionTextIntervalMs: number; // least time between two queue-position texts to one customer on a messaging platform
  positionsIntervalMs: number;    // waiting customers are told of changes at most this often per queue
  statsIntervalMs: number;        // supervisors' `stats` event at most this often per tenant, across processes
  statsWindowMs: number;          // sliding window of the service level and average answer time
  recoveryMs: number;             // assignments made but not recorded this long (a process died) are handed on again
}

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) => z.string().refine((v) => {
  try { return protocols.includes(new URL(v).protocol); } catch { return false; }
}, { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` });

const schema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z.string().refine((v) => /^(sqlite:|mysql:\/\/|mariadb:\/\/)/.test(v), {
    message: 'must be sqlite:<file> or mysql://user:password@host:port/database',
  }).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only').default('cc'),
  SECRET_KEY: z.string().refine((v) => decodeKey(v) !== undefined, {
    message: 'must be 32 bytes as 64 hex characters or base64 (generate one with: openssl rand -hex 32)',
  }).optional(),
  S3_URL: url(['http:', 'https:']).optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a valid S3 bucket name').default('callcenter-media'),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  SEED_DEMO: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MESSAGE_MAX_CHARS: int(1, 100_000).default(4096),
  WEBHOOK_MAX_BYTES: int(1024, 50_000_000).default(1_000_000),
  WEBHOOK_BODY_TIMEOUT_MS: int(100, 300_000).default(10_000),
  MEDIA_MAX_BYTES: int(1024, 2_000_000_000).default(25_000_000),
  WIDGET_MEDIA_MAX_BYTES: int(1024, 2_000_000_000).default(10_000_000),
  MEDIA_FETCH_ATTEMPTS: int(1, 50).default(8),
  TOKEN_TTL_SECONDS: int(60, 31_536_000).default(12 * 3600),
  WORKER_CONCURRENCY: int(1, 1000).default(50),
  JOB_BACKOFF_MS: int(1, 600_000).default(1000),
  OUTBOUND_SENDS_AT_ONCE: int(0, 10_000).default(100),
  ROUTING_DISCONNECT_GRACE_SECONDS: z.coerce.number().min(0).max(86_400).default(30),
  ROUTING_POSITION_TEXT_DELAY_SECONDS: z.coerce.number().min(0).max(86_400).default(20),
  ROUTING_POSITION_TEXT_INTERVAL_SECONDS: z.coerce.number().min(0).max(86_400).default(120),
  ROUTING_POSITIONS_INTERVAL_MS: int(0, 60_000).default(500),
  ROUTING_STATS_INTERVAL_MS: int(0, 60_000).default(250),
  ROUTING_STATS_WINDOW_SECONDS: z.coerce.number().min(1).max(7 * 86_400).default(900),
  ROUTING_RECOVERY_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
});

/** 32-byte key from hex or base64, or undefined when it is neither. */
export function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length === 32 ? b : undefined;
}

export class ConfigError extends Error {}

/** Parses an environment (process.env by default); throws ConfigError with one line per bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Bad configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  const s3 = e.S3_URL ? s3Settings(e.S3_URL, e.S3_ACCESS_KEY, e.S3_SECRET_KEY) : undefined;
  const dataDir = path.resolve(e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'callcenter.sqlite')}`;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir,
    databaseUrl,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    secretKey: e.SECRET_KEY,
    storage: s3
      ? { kind: 's3', ...s3, bucket: e.S3_BUCKET, region: e.S3_REGION }
      : { kind: 'local', dir: path.join(dataDir, 'media') },
    seedDemo: e.SEED_DEMO,
    logLevel: e.LOG_LEVEL,
    limits: { messageChars: e.MESSAGE_MAX_CHARS, webhookBytes: e.WEBHOOK_MAX_BYTES, webhookBodyMs: e.WEBHOOK_BODY_TIMEOUT_MS, mediaBytes: e.MEDIA_MAX_BYTES, widgetMediaBytes: e.WIDGET_MEDIA_MAX_BYTES },
    mediaFetchAttempts: e.MEDIA_FETCH_ATTEMPTS,
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobBackoffMs: e.JOB_BACKOFF_MS,
    sendsAtOnce: e.OUTBOUND_SENDS_AT_ONCE,
    routing: {
      disconnectGraceMs: Math.round(e.ROUTING_DISCONNECT_GRACE_SECONDS * 1000),
      positionTextDelayMs: Math.round(e.ROUTING_POSITION_TEXT_DELAY_SECONDS * 1000),
      positionTextIntervalMs: Math.round(e.ROUTING_POSITION_TEXT_INTERVAL_SECONDS * 1000),
      positionsIntervalMs: e.ROUTING_POSITIONS_INTERVAL_MS,
      statsIntervalMs: e.ROUTING_STATS_INTERVAL_MS,
      statsWindowMs: Math.round(e.ROUTING_STATS_WINDOW_SECONDS * 1000),
      recoveryMs: Math.round(e.ROUTING_RECOVERY_SECONDS * 1000),
    },
  };
}

/** S3 credentials from S3_ACCESS_KEY/S3_SECRET_KEY or the URL's user:password; the URL kept without them (it is logged). */
function s3Settings(raw: string, accessKey?: string, secretKey?: string): { url: string; accessKey: string; secretKey: string } {
  const u = new URL(raw);
  const key = accessKey ?? (decodeURIComponent(u.username) || undefined);
  const secret = secretKey ?? (decodeURIComponent(u.password) || undefined);
  if (!key || !secret) throw new ConfigError('Bad configuration: S3_URL: give the credentials as S3_ACCESS_KEY and S3_SECRET_KEY (or in the URL, http://KEY:SECRET@host:9000)');
  u.username = '';
  u.password = '';
  return { url: u.toString().replace(/\/+$/, ''), accessKey: key, secretKey: secret };
}

/** Parses `--services a,b` from argv; all services when absent. */
export function parseServices(argv: string[]): ServiceName[] {
  const i = argv.findIndex((a) => a === '--services' || a.startsWith('--services='));
  if (i < 0) return [...SERVICE_NAMES];
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const names = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new ConfigError(`--services: unknown service "${unknown.join(',') || raw}"; choose from ${SERVICE_NAMES.join(', ')}`);
  }
  return names as ServiceName[];
}
