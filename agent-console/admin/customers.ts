// Supervisors and CRMs: a customer's routing priority (VIP). It takes effect when their
// conversation next joins a queue: waiting ahead of everyone of lower priority there.
import { z } from 'zod';
import type { Context } from '../../shared/context.js';
import { CustomerEntity } from '../../shared/db/entities/index.js';
import { notFound } from '../../shared/errors.js';
import { changeOf } from '../../shared/http/validate.js';

export const updateCustomerInput = changeOf(z.object({ priority: z.number().int().min(-100).max(100) }), ['id', 'displayName', 'externalUserId']);

export async function updateCustomer(ctx: Context, tenantId: string, id: string, input: z.infer<typeof updateCustomerInput>) {
  const c = await ctx.db.manager.findOneBy(CustomerEntity, { id, tenantId });
  if (!c) throw notFound(`Customer ${id}`);
  await ctx.db.manager.update(CustomerEntity, { id }, { priority: input.priority });
  return { id: c.id, displayName: c.displayName, externalUserId: c.externalUserId, priority: input.priority };
}
