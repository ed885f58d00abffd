// Admin: queues of a tenant, with their routing settings (policy, required skills, service-level
// threshold, maximum size and wait, overflow, offers, sticky routing), kept in queues.settings.routing.
import { z } from 'zod';
import type { Context } from '../../shared/context.js';
import { QueueEntity, type Queue } from '../../shared/db/entities/index.js';
import { AppError, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { queueRoutingPatch, routingOf, syncQueue, type QueueMachine, type QueueRouting } from '../../queue-machine/index.js';
import { changeOf } from '../../shared/http/validate.js';

const base = z.object({
  name: z.string().trim().min(1).max(200),
  skills: z.array(z.string().trim().min(1).max(64)).max(50).default([]),
  priority: z.number().int().min(-1000).max(1000).default(0),
});
// Strict: a misspelt setting (maxWaitSecond) is an error, not silently ignored.
export const createQueueInput = base.extend(queueRoutingPatch.shape).strict();
export const updateQueueInput = changeOf(base.partial().extend(queueRoutingPatch.shape), ['id', 'createdAt']);
type RoutingPatch = z.infer<typeof queueRoutingPatch>;

export interface QueueView extends QueueRouting { id: string; name: string; skills: string[]; priority: number; createdAt: string }
const view = (q: Queue): QueueView => ({ id: q.id, name: q.name, skills: q.skills, priority: q.priority, ...routingOf(q.settings), createdAt: new Date(q.createdAt).toISOString() });

/** Only the routing settings given (defaults stay defaults, so a better default reaches old queues). */
function routingPatch(input: Record<string, unknown>): RoutingPatch {
  return Object.fromEntries(Object.keys(queueRoutingPatch.shape).filter((k) => input[k] !== undefined).map((k) => [k, input[k]])) as RoutingPatch;
}

async function checkFallback(ctx: Context, tenantId: string, queueId: string, r: RoutingPatch): Promise<void> {
  if (!r.fallbackQueueId) return;
  if (r.fallbackQueueId === queueId) throw new AppError('bad_request', 'A queue cannot fall back on itself; choose another fallbackQueueId.');
  if (!(await ctx.db.manager.findOneBy(QueueEntity, { id: r.fallbackQueueId, tenantId }))) throw new AppError('not_found', 'fallbackQueueId is not a queue of this tenant.');
}

export async function createQueue(ctx: Context, tenantId: string, input: z.infer<typeof createQueueInput>, qm?: QueueMachine): Promise<QueueView> {
  const routing = routingPatch(input);
  const q: Queue = { id: newId(), tenantId, name: input.name, skills: input.skills, priority: input.priority, settings: { routing }, createdAt: new Date() };
  await checkFallback(ctx, tenantId, q.id, routing);
  await ctx.db.manager.insert(QueueEntity, q);
  if (qm) await syncQueue(qm, q);
  return view(q);
}

export async function updateQueue(ctx: Context, qm: QueueMachine, tenantId: string, id: string, input: z.infer<typeof updateQueueInput>): Promise<QueueView> {
  const q = await ctx.db.manager.findOneBy(QueueEntity, { id, tenantId });
  if (!q) throw notFound(`Queue ${id}`);
  const routing = { ...(q.settings?.routing ?? {}), ...routingPatch(input) };
  await checkFallback(ctx, tenantId, id, routing);
  Object.assign(q, {
    name: input.name ?? q.name, skills: input.skills ?? q.skills, priority: input.priority ?? q.priority,
    settings: { ...(q.settings ?? {}), routing },
  });
  await ctx.db.manager.update(QueueEntity, { id }, { name: q.name, skills: q.skills, priority: q.priority, settings: q.settings });
  await syncQueue(qm, q);
  return view(q);
}

export async function getQueue(ctx: Context, tenantId: string, id: string): Promise<QueueView> {
  const q = await ctx.db.manager.findOneBy(QueueEntity, { id, tenantId });
  if (!q) throw notFound(`Queue ${id}`);
  return view(q);
}

export async function listQueues(ctx: Context, tenantId: string): Promise<QueueView[]> {
  return (await ctx.db.manager.find(QueueEntity, { where: { tenantId }, order: { createdAt: 'ASC' } })).map(view);
}
