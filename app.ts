// Assembles the services a process runs (all of them by default) around one HTTP server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config, ServiceName } from './shared/config.js';
import { createContext, closeContext, type Context } from './shared/context.js';
import type { Logger } from './shared/logger.js';
import { createMetrics } from './shared/metrics.js';
import { errorHandler, notFoundHandler } from './shared/http/error-handler.js';
import { createSocketServer } from './shared/realtime/socket-server.js';
import { mediaRoutes, openStorage, startMediaServer, widgetMediaRoutes, type StorageDriver } from './media-server/index.js';
import { createQueueMachine, startQueueMachine } from './queue-machine/index.js';
import { startSwitch } from './switch/index.js';
import { mountCustomerNamespace, startGateway, webhookFastPath, webhookRoutes, widgetRoutes } from './gateway/index.js';
import { mountAgentConsole, seedDemo, type DemoSeed } from './agent-console/index.js';

export interface RunningApp {
  ctx: Context;
  port: number;
  url: string;
  demo: DemoSeed | null;
  close(): Promise<void>;
}

export async function startApp(config: Config, services: ServiceName[], logger: Logger): Promise<RunningApp> {
  const ctx = await createContext(config, logger);
  let storage: StorageDriver;
  try {
    storage = await openStorage(config);
  } catch (err) {
    await closeContext(ctx);
    throw err;
  }
  const qm = createQueueMachine(ctx);
  const has = (s: ServiceName) => services.includes(s);
  const demo = config.seedDemo ? await seedDemo(ctx, qm) : null;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  // Webhooks skip Express (gateway/webhook-routes.ts); everything else is Express's.
  const webhooks = has('gateway') ? webhookFastPath(ctx) : undefined;
  const server = http.createServer((req, res) => { if (!webhooks?.(req, res)) app(req, res); });
  const sockets = await createSocketServer(server, ctx.redis, `${config.redisPrefix}:sio`);
  ctx.broadcaster.serveFrom(sockets.io);

  const registry = createMetrics(ctx.rows);
  app.get('/healthz', async (_req, res) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, fn: () => Promise<unknown>) => {
      try { await withTimeout(fn(), 2000); checks[name] = 'ok'; } catch (err) { checks[name] = `failing: ${(err as Error).message}`; }
    };
    await Promise.all([probe('database', () => ctx.db.query('SELECT 1')), probe('redis', () => ctx.redis.ping()), probe('storage', () => storage.check())]);
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'failing', checks });
  });
  app.get('/metrics', async (_req, res) => { res.type(registry.contentType).send(await registry.metrics()); });

  if (has('gateway')) {
    app.use(webhookRoutes(ctx));
    app.use(widgetRoutes(ctx));
    mountCustomerNamespace(ctx, sockets.io);
    await startGateway(ctx);
  }
  if (has('media-server')) {
    // Before the console's /api/v1 router, which takes JSON bodies only: uploads are multipart.
    app.use(mediaRoutes(ctx, storage), widgetMediaRoutes(ctx, storage));
    startMediaServer(ctx, storage);
  }
  if (has('switch')) startSwitch(ctx, qm);
  if (has('queue-machine')) await startQueueMachine(ctx, qm);
  if (has('agent-console')) mountAgentConsole(ctx, app, sockets.io, qm);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  }).catch(async (err) => {
    await closeContext(ctx);
    throw new Error(`Cannot listen on ${config.host}:${config.port}: ${(err as Error).message}. Set PORT to a free port.`);
  });
  const port = (server.address() as AddressInfo).port;
  // PORT=0 picks a free port: links we hand out (media, webhooks) must name the one we got.
  if (config.port === 0 && config.publicUrl === 'http://localhost:0') config.publicUrl = `http://localhost:${port}`;
  return {
    ctx, port, url: `http://127.0.0.1:${port}`, demo,
    close: async () => {
      ctx.broadcaster.serveFrom(null); // jobs still finishing emit through Redis, not a closed server
      await sockets.close();
      server.closeAllConnections?.();
      await closeContext(ctx);
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
