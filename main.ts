// Entry point: `node dist/main.js [--services gateway,switch,...]`. Starts every service in one
// process by default; with --services, only those (one service per process scales out).
import { ConfigError, loadConfig, parseServices } from './shared/config.js';
import { createLogger } from './shared/logger.js';
import { startApp } from './app.js';
import { createContext, closeContext } from './shared/context.js';
import { createQueueMachine } from './queue-machine/index.js';
import { createTenant } from './agent-console/index.js';

async function main(): Promise<void> {
  if (process.argv[2] === 'create-tenant') return createTenantCommand(process.argv.slice(3));
  let config, services;
  try {
    config = loadConfig();
    services = parseServices(process.argv.slice(2));
  } catch (err) {
    fail(err);
  }
  const logger = createLogger(config.logLevel);
  let running;
  try {
    running = await startApp(config, services, logger);
  } catch (err) {
    fail(err);
  }
  const base = config.publicUrl;
  const lines = [
    `Call center IM is running (${services.join(', ')}) on port ${running.port}.`,
    `  Agent console:  ${base}/console`,
    `  Web chat demo:  ${base}/widget`,
    `  Health:         ${base}/healthz`,
  ];
  if (running.demo?.logins.length) {
    lines.push(`  Demo tenant "demo" created. Sign in with (password "demo"):`);
    for (const l of running.demo.logins) lines.push(`    ${l.role.padEnd(10)} ${l.email}`);
  } else if (running.demo) {
    lines.push(`  Demo tenant "demo": admin@demo.local, supervisor@demo.local, agent1@demo.local, agent2@demo.local (password "demo" unless changed)`);
  }
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

/**
 * `create-tenant <slug> <admin-email> [name]`: the first tenant of a production deployment.
 * The admin's password comes from ADMIN_PASSWORD, or is generated and printed once.
 */
async function createTenantCommand(args: string[]): Promise<void> {
  const [slug, adminEmail, ...name] = args;
  if (!slug || !adminEmail) fail(new Error('node dist/main.js create-tenant <slug> <admin-email> [display name]'), 'Usage');
  let ctx;
  try {
    const config = loadConfig();
    ctx = await createContext(config, createLogger('warn'));
    const r = await createTenant(ctx, createQueueMachine(ctx), {
      slug, adminEmail, name: name.join(' ') || slug, adminPassword: process.env.ADMIN_PASSWORD || undefined,
    });
    process.stdout.write(`Created tenant "${slug}" (${r.tenantId}). Sign in as ${adminEmail.toLowerCase()}` +
      (process.env.ADMIN_PASSWORD ? ' with ADMIN_PASSWORD.\n' : ` with password ${r.adminPassword} (shown once).\n`));
  } catch (err) {
    if (ctx) await closeContext(ctx);
    fail(err, 'Cannot create the tenant');
  }
  await closeContext(ctx);
  process.exit(0);
}

/** Start-up failures are one line: what, where, how to fix. No stack trace wall. */
function fail(err: unknown, what = 'Cannot start'): never {
  const msg = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`${what}: ${msg}\n`);
  process.exit(1);
}

void main();
