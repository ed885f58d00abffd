// Upload limits per tenant: the server-wide defaults (MEDIA_MAX_BYTES, WIDGET_MEDIA_MAX_BYTES)
// unless the tenant's admin set their own. A widget customer never gets more than the agents.
import { z } from 'zod';
import type { Context } from '../shared/context.js';
import { MediaLimitEntity } from '../shared/db/entities/index.js';

export interface MediaLimits { maxBytes: number; widgetMaxBytes: number }

export const mediaLimitsInput = z.object({
  maxBytes: z.number().int().min(1024).max(2_000_000_000).nullable().optional(),
  widgetMaxBytes: z.number().int().min(1024).max(2_000_000_000).nullable().optional(),
}).strict();

export async function mediaLimits(ctx: Context, tenantId: string): Promise<MediaLimits> {
  const row = await ctx.db.manager.findOneBy(MediaLimitEntity, { tenantId });
  const maxBytes = row?.maxBytes ?? ctx.config.limits.mediaBytes;
  return { maxBytes, widgetMaxBytes: Math.min(maxBytes, row?.widgetMaxBytes ?? ctx.config.limits.widgetMediaBytes) };
}

/** Sets the tenant's own limits (null: back to the default); keys not given are kept. */
export async function setMediaLimits(ctx: Context, tenantId: string, input: z.infer<typeof mediaLimitsInput>): Promise<MediaLimits> {
  const m = ctx.db.manager;
  const row = await m.findOneBy(MediaLimitEntity, { tenantId });
  await m.save(MediaLimitEntity, {
    tenantId,
    maxBytes: input.maxBytes !== undefined ? input.maxBytes : row?.maxBytes ?? null,
    widgetMaxBytes: input.widgetMaxBytes !== undefined ? input.widgetMaxBytes : row?.widgetMaxBytes ?? null,
    updatedAt: new Date(),
  });
  return mediaLimits(ctx, tenantId);
}
