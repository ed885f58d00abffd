// Admin: the people of a tenant (agents, supervisors, admins), with their queues, skills (with
// levels), capacity overall and per channel kind. Every change reaches the queue machine at once.
import { In } from 'typeorm';
import { z } from 'zod';
import type { Principal } from '../../shared/auth/tokens.js';
import { hasRole } from '../../shared/auth/tokens.js';
import type { Context } from '../../shared/context.js';
import { QueueEntity, QueueMemberEntity, UserEntity, type User } from '../../shared/db/entities/index.js';
import { isUniqueViolation } from '../../shared/db/unique-violation.js';
import { changeOf } from '../../shared/http/validate.js';
import { AppError, notFound } from '../../shared/errors.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { newId } from '../../shared/ids.js';
import type { AgentStatus } from '../../shared/types/api.js';
import { agentRouting, type QueueMachine } from '../../queue-machine/index.js';

const skillName = z.string().trim().min(1).max(64);
/** A skill is a name (level 1) or {name, level} with level 1..10. */
const skillsInput = z.array(z.union([skillName, z.object({ name: skillName, level: z.number().int().min(1).max(10) })])).max(50);
const capacitiesInput = z.record(z.string().regex(/^[a-z0-9_-]{1,32}$/, 'a channel kind: lowercase letters, digits, _ and -'), z.number().int().min(0).max(100));

export const createAgentInput = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(4, 'at least 4 characters').max(200),
  role: z.enum(['agent', 'supervisor', 'admin']),
  queueIds: z.array(z.string().max(36)).max(100).default([]),
  skills: skillsInput.default([]),
  capacity: z.number().int().min(0).max(100).default(3),
  capacities: capacitiesInput.optional(),
}).strict(); // a misspelt field is an error, not silently ignored

export const updateAgentInput = changeOf(z.object({
  name: z.string().trim().min(1).max(200).optional(),
  queueIds: z.array(z.string().max(36)).max(100).optional(),
  skills: skillsInput.optional(),
  capacity: z.number().int().min(0).max(100).optional(),
  capacities: capacitiesInput.optional(),
  status: z.enum(['online', 'away', 'offline']).optional(),
}), ['id', 'email', 'role', 'skillLevels', 'createdAt']);

export interface AgentAdminView {
  id: string; name: string; email: string; role: User['role']; queueIds: string[]; skills: string[];
  skillLevels: Record<string, number>; capacity: number; capacities: Record<string, number>; createdAt: string;
}

function splitSkills(input: z.infer<typeof skillsInput>): { skills: string[]; skillLevels: Record<string, number> } {
  const skillLevels: Record<string, number> = {};
  for (const s of input) skillLevels[typeof s === 'string' ? s : s.name] = typeof s === 'string' ? 1 : s.level;
  return { skills: Object.keys(skillLevels), skillLevels };
}

const view = (u: User, queueIds: string[]): AgentAdminView => ({
  id: u.id, name: u.name, email: u.email, role: u.role, queueIds, skills: u.skills,
  skillLevels: Object.fromEntries(u.skills.map((s) => [s, u.skillLevels?.[s] ?? 1])), capacity: u.capacity,
  capacities: u.capacities ?? {}, createdAt: new Date(u.createdAt).toISOString(),
});

async function checkQueues(ctx: Context, tenantId: string, queueIds: string[]): Promise<void> {
  if (queueIds.length && (await ctx.db.manager.countBy(QueueEntity, { tenantId, id: In(queueIds) })) !== queueIds.length) {
    throw new AppError('not_found', 'One of queueIds is not a queue of this tenant.');
  }
}

export async function createAgent(ctx: Context, qm: QueueMachine, tenantId: string, input: z.infer<typeof createAgentInput>): Promise<AgentAdminView> {
  const queueIds = [...new Set(input.queueIds)];
  await checkQueues(ctx, tenantId, queueIds);
  const user: User = {
    id: newId(), tenantId, name: input.name, email: input.email, passwordHash: await hashPassword(input.password),
    role: input.role, ...splitSkills(input.skills), capacity: input.capacity, capacities: input.capacities ?? null,
    createdAt: new Date(), disabledAt: null,
  };
  try {
    await ctx.db.transaction(async (m) => {
      await m.insert(UserEntity, user);
      if (queueIds.length) await m.insert(QueueMemberEntity, queueIds.map((queueId) => ({ queueId, userId: user.id, tenantId })));
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', `Someone in this tenant already signs in as ${input.email}.`);
    throw err;
  }
  await qm.syncAgent(tenantId, agentRouting(user, queueIds));
  return view(user, queueIds);
}

/**
 * Changes an agent's queues, skills, capacity or status; the queue machine drains at once (more
 * capacity assigns waiting conversations). Supervisors run the floor; renaming needs an admin.
 */
export async function updateAgent(ctx: Context, qm: QueueMachine, p: Principal, id: string, input: z.infer<typeof updateAgentInput>): Promise<AgentAdminView> {
  if (input.name !== undefined && !hasRole(p, 'admin')) throw new AppError('forbidden', 'Renaming people needs the admin role.');
  const m = ctx.db.manager;
  const user = await m.findOneBy(UserEntity, { id, tenantId: p.tenantId });
  if (!user) throw notFound(`Agent ${id}`);
  let queueIds = (await m.findBy(QueueMemberEntity, { userId: id })).map((x) => x.queueId);
  if (input.queueIds) {
    queueIds = [...new Set(input.queueIds)];
    await checkQueues(ctx, p.tenantId, queueIds);
    await ctx.db.transaction(async (t) => {
      await t.delete(QueueMemberEntity, { userId: id });
      if (queueIds.length) await t.insert(QueueMemberEntity, queueIds.map((queueId) => ({ queueId, userId: id, tenantId: p.tenantId })));
    });
  }
  if (input.skills) Object.assign(user, splitSkills(input.skills));
  if (input.capacity !== undefined) user.capacity = input.capacity;
  if (input.capacities) user.capacities = input.capacities;
  if (input.name) user.name = input.name;
  await m.update(UserEntity, { id }, { name: user.name, skills: user.skills, skillLevels: user.skillLevels ?? null, capacity: user.capacity, capacities: user.capacities ?? null });
  if (!user.disabledAt) await qm.syncAgent(p.tenantId, agentRouting(user, queueIds));
  if (input.status) await qm.setAgentStatus(p.tenantId, id, input.status as AgentStatus);
  return view(user, queueIds);
}

export async function listAgents(ctx: Context, tenantId: string): Promise<AgentAdminView[]> {
  const [users, members] = await Promise.all([
    ctx.db.manager.find(UserEntity, { where: { tenantId }, order: { createdAt: 'ASC' } }),
    ctx.db.manager.findBy(QueueMemberEntity, { tenantId }),
  ]);
  return users.map((u) => view(u, members.filter((m) => m.userId === u.id).map((m) => m.queueId)));
}
