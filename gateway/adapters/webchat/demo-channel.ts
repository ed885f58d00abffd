// The demo page (/widget) needs a channel to show: the first web chat channel of the seeded
// "demo" tenant. Nothing else uses it; a production deployment without the demo answers 404.
import { IsNull } from 'typeorm';
import type { Context } from '../../../shared/context.js';
import { ChannelEntity, TenantEntity } from '../../../shared/db/entities/index.js';

export async function findDemoChannelId(ctx: Context): Promise<string | null> {
  const tenant = await ctx.db.manager.findOneBy(TenantEntity, { slug: 'demo' });
  if (!tenant) return null;
  const channel = await ctx.db.manager.findOne(ChannelEntity, {
    where: { tenantId: tenant.id, platform: 'webchat', deletedAt: IsNull() }, order: { createdAt: 'ASC' },
  });
  return channel?.id ?? null;
}
