// /api/v1 routes of the routing engine: queue settings, agents' capacity, skills and status,
// manual picks, offers, a conversation's routing history, customers' priority, staffing advice.
// Routes only parse, call a use case and answer (STYLE.md 5).
import type express from 'express';
import type { Request, Response, NextFunction } from 'express';
import type { Context } from '../../shared/context.js';
import { QueueEntity } from '../../shared/db/entities/index.js';
import { parseInput } from '../../shared/http/validate.js';
import * as sw from '../../switch/index.js';
import { staffingAdvice, type QueueMachine } from '../../queue-machine/index.js';
import { getQueue, updateQueue, updateQueueInput } from '../admin/queues.js';
import { updateAgent, updateAgentInput } from '../admin/agents.js';
import { updateCustomer, updateCustomerInput } from '../admin/customers.js';
import { principal, role } from './authenticate.js';
import { pickBodySchema } from './routing-schemas.js';

type Handler = (req: Request, res: Response) => Promise<unknown>;
const h = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).then((body) => { if (!res.headersSent) res.json(body); }).catch(next);
};
const param = (req: Request, name: string) => String(req.params[name]);

/** Adds the routing routes to an authenticated /api/v1 router. */
export function routingRoutes(ctx: Context, qm: QueueMachine, r: express.Router): void {
  r.get('/queues/:id', role('agent'), h(async (req) => getQueue(ctx, principal(req).tenantId, param(req, 'id'))));
  r.patch('/queues/:id', role('admin'), h(async (req) => updateQueue(ctx, qm, principal(req).tenantId, param(req, 'id'), parseInput(updateQueueInput, req.body, 'queue'))));
  r.post('/queues/:id/pick', role('agent'), h(async (req) => {
    const b = parseInput(pickBodySchema, req.body ?? {}, 'pick');
    return sw.pickConversation(ctx, qm, principal(req), { queueId: param(req, 'id'), conversationId: b.conversationId });
  }));
  r.patch('/agents/:id', role('supervisor'), h(async (req) => updateAgent(ctx, qm, principal(req), param(req, 'id'), parseInput(updateAgentInput, req.body, 'agent'))));
  r.patch('/customers/:id', role('supervisor'), h(async (req) => updateCustomer(ctx, principal(req).tenantId, param(req, 'id'), parseInput(updateCustomerInput, req.body, 'customer'))));

  r.post('/conversations/:id/pick', h(async (req) => sw.pickConversation(ctx, qm, principal(req), { conversationId: param(req, 'id') })));
  r.post('/conversations/:id/accept', h(async (req) => sw.acceptConversation(ctx, qm, principal(req), param(req, 'id'))));
  r.post('/conversations/:id/decline', h(async (req) => { await sw.declineConversation(ctx, qm, principal(req), param(req, 'id')); return { ok: true }; }));
  r.get('/conversations/:id/routing', h(async (req) => ({ items: await sw.routingHistory(ctx, principal(req), param(req, 'id')) })));

  r.get('/stats/staffing', role('supervisor'), h(async (req) => {
    const tenantId = principal(req).tenantId;
    const queues = await ctx.db.manager.find(QueueEntity, { where: { tenantId }, order: { createdAt: 'ASC' } });
    return { queues: await Promise.all(queues.map(async (q) => ({ name: q.name, ...await staffingAdvice(qm, tenantId, q.id, ctx.config.routing.statsWindowMs) }))) };
  }));
}
