// The agent console's server side: REST for the console, admins and CRMs, the /agent and
// /supervisor socket namespaces, and the browser pages.
import express from 'express';
import path from 'node:path';
import type { Server } from 'socket.io';
import type { Context } from '../shared/context.js';
import { webDir } from '../shared/http/web-dir.js';
import type { QueueMachine } from '../queue-machine/index.js';
import { restRoutes } from './api/rest-routes.js';
import { mountAgentNamespace } from './sockets/agent-namespace.js';
import { mountSupervisorNamespace } from './sockets/supervisor-namespace.js';

export { seedDemo, type DemoSeed } from './admin/seed-demo.js';
export { createTenant } from './admin/create-tenant.js';

export function mountAgentConsole(ctx: Context, app: express.Express, io: Server, qm: QueueMachine): void {
  app.use('/api/v1', restRoutes(ctx, qm));
  mountAgentNamespace(ctx, io, qm);
  mountSupervisorNamespace(ctx, io, qm);
  const dir = webDir();
  app.get('/', (_req, res) => res.redirect('/console'));
  app.get('/console', (_req, res) => res.sendFile(path.join(dir, 'console.html')));
  app.use('/assets', express.static(dir, { index: false, maxAge: '1h' }));
}
