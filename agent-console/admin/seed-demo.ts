// The demo tenant of a first start (unless SEED_DEMO=false): an admin, a supervisor, two agents,
// one queue and one web chat channel, all with the password "demo".
import type { Context } from '../../shared/context.js';
import { ChannelEntity, TenantEntity } from '../../shared/db/entities/index.js';
import { newId } from '../../shared/ids.js';
import { createChannel } from '../../gateway/index.js';
import type { QueueMachine } from '../../queue-machine/index.js';
import { createAgent } from './agents.js';
import { createQueue } from './queues.js';

export interface DemoSeed { tenant: string; channelId: string; logins: { email: string; password: string; role: string }[] }

export const DEMO_LOGINS = [
  { name: 'Ada Admin', email: 'admin@demo.local', role: 'admin' as const },
  { name: 'Sam Supervisor', email: 'supervisor@demo.local', role: 'supervisor' as const },
  { name: 'Alice Agent', email: 'agent1@demo.local', role: 'agent' as const },
  { name: 'Bob Agent', email: 'agent2@demo.local', role: 'agent' as const },
];

/** Seeds the demo tenant when the database has no tenant at all; returns what it seeded, or the existing demo's details. */
export async function seedDemo(ctx: Context, qm: QueueMachine): Promise<DemoSeed | null> {
  const m = ctx.db.manager;
  const existing = await m.findOneBy(TenantEntity, { slug: 'demo' });
  if (existing) {
    const ch = await m.findOne(ChannelEntity, { where: { tenantId: existing.id, platform: 'webchat' }, order: { createdAt: 'ASC' } });
    return ch ? { tenant: 'demo', channelId: ch.id, logins: [] } : null;
  }
  if ((await m.count(TenantEntity)) > 0) return null;
  const tenantId = newId();
  await m.insert(TenantEntity, { id: tenantId, slug: 'demo', name: 'Demo Company', createdAt: new Date() });
  const queue = await createQueue(ctx, tenantId, { name: 'General', skills: [], priority: 0 });
  for (const u of DEMO_LOGINS) {
    await createAgent(ctx, qm, tenantId, { ...u, password: 'demo', queueIds: [queue.id], skills: [], capacity: u.role === 'admin' ? 0 : 3 });
  }
  const channel = await createChannel(ctx, tenantId, { platform: 'webchat', name: 'Website chat', queueId: queue.id, config: { title: 'Chat with Demo Company' } });
  return { tenant: 'demo', channelId: channel.id, logins: DEMO_LOGINS.map((u) => ({ email: u.email, password: 'demo', role: u.role })) };
}
