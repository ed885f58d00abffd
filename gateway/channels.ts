// Channel records: the platform account, its settings and its encrypted secrets. Admin CRUD
// and the runtime lookup the webhook path and the senders use (cached briefly).
import { IsNull } from 'typeorm';
import { z } from 'zod';
import { changeOf } from '../shared/http/validate.js';
import type { Context } from '../shared/context.js';
import { ChannelEntity, QueueEntity, type Channel } from '../shared/db/entities/index.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { PLATFORMS, type Platform } from '../shared/types/message.js';
import type { ChannelRuntime } from './adapter.js';
import { adapterFor, registeredPlatforms } from './registry.js';

export interface ChannelView { id: string; platform: Platform; name: string; queueId: string | null; webhookUrl: string; config: Record<string, unknown>; secretsSet: string[]; createdAt: string }

export const createChannelInput = z.object({
  platform: z.enum(PLATFORMS),
  name: z.string().trim().min(1).max(200),
  queueId: z.string().max(36).nullish(),
  config: z.record(z.string(), z.unknown()).default({}),
}).strict(); // a misspelt field is an error, not silently ignored
export const updateChannelInput = changeOf(createChannelInput.omit({ platform: true }).partial(), ['id', 'platform', 'webhookUrl', 'secretsSet', 'createdAt']);

export function webhookUrl(ctx: Context, id: string): string { return `${ctx.config.publicUrl}/webhooks/${id}`; }

function adapterOrFail(platform: Platform) {
  const a = adapterFor(platform);
  if (!a) throw new AppError('bad_request', `The ${platform} platform is not available on this server yet; available: ${registeredPlatforms().join(', ')}.`);
  return a;
}

function view(ctx: Context, c: Channel): ChannelView {
  const secretsSet = Object.keys(JSON.parse(ctx.secrets.open(c.secrets)) as object);
  return { id: c.id, platform: c.platform, name: c.name, queueId: c.queueId, webhookUrl: webhookUrl(ctx, c.id), config: c.settings, secretsSet, createdAt: new Date(c.createdAt).toISOString() };
}

/** Splits a config into public settings and secrets, after the adapter's schema accepted it. */
function splitConfig(platform: Platform, config: Record<string, unknown>): { settings: Record<string, unknown>; secrets: Record<string, unknown> } {
  const adapter = adapterOrFail(platform);
  const parsed = adapter.configSchema.safeParse(config);
  if (!parsed.success) {
    throw new AppError('validation_failed', `The ${platform} config is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}.`);
  }
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed.data)) (adapter.secretKeys.includes(k) ? secrets : settings)[k] = v;
  return { settings, secrets };
}

async function checkQueue(ctx: Context, tenantId: string, queueId: string | null | undefined): Promise<void> {
  if (queueId && !(await ctx.db.manager.findOneBy(QueueEntity, { id: queueId, tenantId }))) throw notFound(`Queue ${queueId}`);
}

export async function createChannel(ctx: Context, tenantId: string, input: z.infer<typeof createChannelInput>): Promise<ChannelView> {
  const { settings, secrets } = splitConfig(input.platform, input.config);
  await checkQueue(ctx, tenantId, input.queueId);
  const c: Channel = {
    id: newId(), tenantId, platform: input.platform, name: input.name, queueId: input.queueId ?? null,
    settings, secrets: ctx.secrets.seal(JSON.stringify(secrets)), createdAt: new Date(), deletedAt: null,
  };
  await ctx.db.manager.insert(ChannelEntity, c);
  return view(ctx, c);
}

export async function listChannels(ctx: Context, tenantId: string): Promise<ChannelView[]> {
  const rows = await ctx.db.manager.find(ChannelEntity, { where: { tenantId, deletedAt: IsNull() }, order: { createdAt: 'ASC' } });
  return rows.map((c) => view(ctx, c));
}

async function ownChannel(ctx: Context, tenantId: string, id: string): Promise<Channel> {
  const c = await ctx.db.manager.findOneBy(ChannelEntity, { id, tenantId, deletedAt: IsNull() });
  if (!c) throw notFound(`Channel ${id}`);
  return c;
}

export async function getChannel(ctx: Context, tenantId: string, id: string): Promise<ChannelView> {
  return view(ctx, await ownChannel(ctx, tenantId, id));
}

/** Config keys given replace the stored ones; secrets not given are kept. */
export async function updateChannel(ctx: Context, tenantId: string, id: string, input: z.infer<typeof updateChannelInput>): Promise<ChannelView> {
  const c = await ownChannel(ctx, tenantId, id);
  if (input.name !== undefined) c.name = input.name;
  if (input.queueId !== undefined) { await checkQueue(ctx, tenantId, input.queueId); c.queueId = input.queueId ?? null; }
  if (input.config) {
    const merged = { ...c.settings, ...JSON.parse(ctx.secrets.open(c.secrets)), ...input.config };
    const { settings, secrets } = splitConfig(c.platform, merged);
    c.settings = settings;
    c.secrets = ctx.secrets.seal(JSON.stringify(secrets));
  }
  await ctx.db.manager.update(ChannelEntity, { id: c.id }, { name: c.name, queueId: c.queueId, settings: c.settings, secrets: c.secrets });
  runtimeCache.delete(c.id);
  return view(ctx, c);
}

export async function deleteChannel(ctx: Context, tenantId: string, id: string): Promise<void> {
  const c = await ownChannel(ctx, tenantId, id);
  await ctx.db.manager.update(ChannelEntity, { id: c.id }, { deletedAt: new Date() });
  runtimeCache.delete(c.id);
}

const CACHE_MS = 5000;
const runtimeCache = new Map<string, { at: number; rt: ChannelRuntime | null }>();

/** A live channel with decrypted config, or null. Cached for a few seconds: webhooks are hot. */
export async function channelRuntime(ctx: Context, id: string): Promise<ChannelRuntime | null> {
  if (typeof id !== 'string' || id.length > 36) return null;
  const hit = runtimeCache.get(id);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.rt;
  const c = await ctx.db.manager.findOneBy(ChannelEntity, { id, deletedAt: IsNull() });
  const rt = c ? { channel: c, config: { ...c.settings, ...JSON.parse(ctx.secrets.open(c.secrets)) }, webhookUrl: webhookUrl(ctx, c.id) } : null;
  if (runtimeCache.size > 10_000) runtimeCache.clear();
  runtimeCache.set(id, { at: Date.now(), rt });
  return rt;
}
