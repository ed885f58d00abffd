// /api/v1: the REST interface of API.md for the console, admins and CRMs. Routes only parse,
// call a use case and answer (STYLE.md 5).
import express, { type Request, type Response, type NextFunction } from 'express';
import type { Context } from '../../shared/context.js';
import { parseInput } from '../../shared/http/validate.js';
import { requireJson } from '../../shared/http/error-handler.js';
import * as gateway from '../../gateway/index.js';
import * as sw from '../../switch/index.js';
import { queueStats, type QueueMachine } from '../../queue-machine/index.js';
import { login } from '../auth/login.js';
import { createAgent, createAgentInput, listAgents } from '../admin/agents.js';
import { createQueue, createQueueInput, listQueues } from '../admin/queues.js';
import { listConversationTemplates } from '../templates/list-conversation-templates.js';
import { routingRoutes } from './routing-routes.js';
import { authenticate, principal, role } from './authenticate.js';
import { closeSchema, listSchema, searchSchema, loginSchema, messagesQuerySchema, sendMessageSchema, transferSchema } from './schemas.js';

type Handler = (req: Request, res: Response) => Promise<unknown>;
/** Runs an async handler and sends its result as JSON (status 200, or what it set). */
const h = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).then((body) => { if (!res.headersSent) res.json(body); }).catch(next);
};
const created = (res: Response) => res.status(201);

export function restRoutes(ctx: Context, qm: QueueMachine): express.Router {
  const r = express.Router();
  r.use(requireJson, express.json({ limit: '1mb', strict: true }));

  r.post('/auth/login', h(async (req) => {
    const b = parseInput(loginSchema, req.body, 'login');
    return login(ctx, b.tenant, b.email, b.password, req.ip ?? '');
  }));

  r.use(authenticate(ctx));

  // Admin: channels, queues, agents.
  r.post('/channels', role('admin'), h(async (req, res) => { created(res); return gateway.createChannel(ctx, principal(req).tenantId, parseInput(gateway.createChannelInput, req.body, 'channel')); }));
  r.get('/channels', role('admin'), h(async (req) => ({ items: await gateway.listChannels(ctx, principal(req).tenantId) })));
  r.get('/channels/:id', role('admin'), h(async (req) => gateway.getChannel(ctx, principal(req).tenantId, String(req.params.id))));
  r.patch('/channels/:id', role('admin'), h(async (req) => gateway.updateChannel(ctx, principal(req).tenantId, String(req.params.id), parseInput(gateway.updateChannelInput, req.body, 'channel'))));
  r.delete('/channels/:id', role('admin'), h(async (req, res) => { await gateway.deleteChannel(ctx, principal(req).tenantId, String(req.params.id)); res.status(204).end(); }));
  r.post('/queues', role('admin'), h(async (req, res) => { created(res); return createQueue(ctx, principal(req).tenantId, parseInput(createQueueInput, req.body, 'queue'), qm); }));
  r.get('/queues', role('agent'), h(async (req) => ({ items: await listQueues(ctx, principal(req).tenantId) })));
  r.post('/agents', role('admin'), h(async (req, res) => { created(res); return createAgent(ctx, qm, principal(req).tenantId, parseInput(createAgentInput, req.body, 'agent')); }));
  r.get('/agents', role('supervisor'), h(async (req) => ({ items: await listAgents(ctx, principal(req).tenantId) })));

  // Conversations and messages.
  r.get('/conversations', h(async (req) => sw.listConversations(ctx, principal(req), parseInput(listSchema, req.query, 'query'))));
  r.get('/conversations/:id', h(async (req) => sw.getConversation(ctx, principal(req), String(req.params.id))));
  r.get('/conversations/:id/messages', h(async (req) => {
    const q = parseInput(messagesQuerySchema, req.query, 'query');
    return { items: await sw.listMessages(ctx, principal(req), String(req.params.id), q.after, q.limit) };
  }));
  r.post('/conversations/:id/messages', h(async (req, res) => {
    const input = parseInput(sendMessageSchema(ctx.config.limits.messageChars), { ...req.body, conversationId: req.params.id }, 'message');
    created(res);
    return sw.sendAgentMessage(ctx, principal(req), input);
  }));
  r.get('/conversations/:id/templates', h(async (req) => listConversationTemplates(ctx, principal(req), String(req.params.id))));
  r.post('/conversations/:id/transfer', h(async (req) => sw.transferConversation(ctx, qm, principal(req), parseInput(transferSchema, { ...req.body, conversationId: req.params.id }, 'transfer'))));
  r.post('/conversations/:id/close', h(async (req) => {
    const b = parseInput(closeSchema, { ...(req.body ?? {}), conversationId: req.params.id }, 'close');
    return sw.closeConversation(ctx, qm, principal(req), b.conversationId, b.disposition);
  }));
  r.get('/search/messages', h(async (req) => {
    const { q } = parseInput(searchSchema, req.query, 'query');
    return { items: await sw.searchMessages(ctx, principal(req), q) };
  }));

  // Statistics.
  r.get('/stats/queues', role('supervisor'), h(async (req) => queueStats(ctx, qm, principal(req).tenantId)));
  routingRoutes(ctx, qm, r); // queue settings, agents' capacity and status, picks, offers, routing history
  return r;
}
