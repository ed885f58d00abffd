// Everything a service needs from the outside world, built once at start and passed in.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import { decodeKey } from './config.js';
import type { Logger } from './logger.js';
import { openDatabase, describeDatabase, type Database } from './db/data-source.js';
import { createRedis, connectRedis, type Redis } from './redis.js';
import { JobBus } from './jobs/job-bus.js';
import { Broadcaster } from './realtime/broadcaster.js';
import { SecretBox } from './auth/secret-box.js';
import { TokenService } from './auth/tokens.js';
import { Rows } from './db/rows.js';
import { OutboundSends } from './jobs/outbound-send.js';

export interface Context {
  config: Config;
  logger: Logger;
  db: Database;
  /** Plain prepared single-row SQL for the hot paths (see db/rows.ts). */
  rows: Rows;
  redis: Redis;                 // commands; never used for blocking calls
  jobs: JobBus;
  /** Sends stored outbound messages: at once where the gateway runs, else by their jobs. */
  outbound: OutboundSends;
  broadcaster: Broadcaster;
  secrets: SecretBox;
  tokens: TokenService;
  /** Prefixes every Redis key we own, so that tenants of one Redis (and test suites) never collide. */
  key: (...parts: string[]) => string;
}

/** A start-up failure that is reported as one line, without a stack. */
export class StartupError extends Error {}

export async function createContext(config: Config, logger: Logger): Promise<Context> {
  const redis = createRedis(config.redisUrl, 'callcenter');
  try {
    await connectRedis(redis, config.redisUrl);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection problem'));

  let db: Database;
  try {
    db = await openDatabase(config.databaseUrl);
  } catch (err) {
    redis.disconnect();
    const hint = config.databaseUrl.startsWith('sqlite:')
      ? 'Check that DATA_DIR is writable, or set DATABASE_URL.'
      : 'Start MySQL/MariaDB, check the user and password, or set DATABASE_URL (sqlite:<file> needs no server).';
    throw new StartupError(`Cannot open the database (${describeDatabase(config.databaseUrl)}): ${(err as Error).message}. ${hint}`);
  }

  const secretKey = loadSecretKey(config, logger);
  const secrets = new SecretBox(secretKey);
  const jobs = new JobBus(redis, `${config.redisPrefix}:bull`, logger, config.workerConcurrency, config.jobBackoffMs);
  return {
    config, logger, db, rows: new Rows(db, (message) => logger.warn(message)), redis,
    jobs, outbound: new OutboundSends(jobs),
    // Its own connection, pipelined: the announcements that follow one group commit leave in one write.
    broadcaster: new Broadcaster(redis.duplicate({ connectionName: 'callcenter-emit', enableAutoPipelining: true }), `${config.redisPrefix}:sio`),
    secrets,
    tokens: new TokenService(secrets.derive('auth-token'), config.tokenTtlSeconds),
    key: (...parts) => [config.redisPrefix, ...parts].join(':'),
  };
}

export async function closeContext(ctx: Context): Promise<void> {
  await ctx.outbound.close(); // before the jobs: a send that must be retried queues its job
  await ctx.jobs.close().catch(() => {});
  await ctx.rows.close().catch(() => {});
  await ctx.db.destroy().catch(() => {});
  ctx.broadcaster.close();
  ctx.redis.disconnect();
}

/** SECRET_KEY, or in the embedded setup a key generated once and kept in DATA_DIR/secret.key. */
function loadSecretKey(config: Config, logger: Logger): Buffer {
  if (config.secretKey) return decodeKey(config.secretKey)!;
  const file = path.join(config.dataDir, 'secret.key');
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    logger.warn({ file }, 'SECRET_KEY is not set: generated one for this machine. Set SECRET_KEY when you run several processes or machines.');
  }
  const key = decodeKey(fs.readFileSync(file, 'utf8').trim());
  if (!key) throw new StartupError(`${file} does not hold a 32-byte hex key; delete it to have one generated, or set SECRET_KEY.`);
  return key;
}
