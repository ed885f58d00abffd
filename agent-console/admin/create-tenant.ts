// Creates a tenant with its first admin: how an operator starts a production deployment
// (SEED_DEMO=false), from the command line: `node dist/main.js create-tenant <slug> <admin-email>`.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Context } from '../../shared/context.js';
import { TenantEntity } from '../../shared/db/entities/index.js';
import { AppError } from '../../shared/errors.js';
import { parseInput } from '../../shared/http/validate.js';
import { newId } from '../../shared/ids.js';
import type { QueueMachine } from '../../queue-machine/index.js';
import { createAgent } from './agents.js';
import { createQueue } from './queues.js';

export const createTenantInput = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes, 2 to 63 characters'),
  name: z.string().trim().min(1).max(200),
  adminEmail: z.string().trim().toLowerCase().email(),
  adminPassword: z.string().min(8, 'at least 8 characters').optional(),
});

/** Creates the tenant, a first queue and an admin; returns the admin's password (generated when not given). */
export async function createTenant(ctx: Context, qm: QueueMachine, raw: unknown): Promise<{ tenantId: string; adminPassword: string }> {
  const input = parseInput(createTenantInput, raw, 'tenant');
  if (await ctx.db.manager.findOneBy(TenantEntity, { slug: input.slug })) throw new AppError('conflict', `A tenant "${input.slug}" exists already.`);
  const tenantId = newId();
  await ctx.db.manager.insert(TenantEntity, { id: tenantId, slug: input.slug, name: input.name, createdAt: new Date() });
  const queue = await createQueue(ctx, tenantId, { name: 'General', skills: [], priority: 0 });
  const adminPassword = input.adminPassword ?? randomBytes(12).toString('base64url');
  await createAgent(ctx, qm, tenantId, { name: 'Administrator', email: input.adminEmail, password: adminPassword, role: 'admin', queueIds: [queue.id], skills: [], capacity: 0 });
  return { tenantId, adminPassword };
}
