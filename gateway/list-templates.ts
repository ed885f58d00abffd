// A channel's approved message templates, for the console's template picker: asked of the
// adapter (only platforms with templates have listTemplates), kept a few minutes per channel so
// that opening the picker does not call the platform each time, and failures said in words.
import type { Context } from '../shared/context.js';
import { AppError, noTemplatesOn, notFound } from '../shared/errors.js';
import type { TemplateView } from '../shared/types/api.js';
import { channelRuntime } from './channels.js';
import { adapterFor } from './registry.js';
import { SendError } from './send-error.js';

/** Templates change by review in WhatsApp Manager, rarely: a few minutes old is fresh enough. */
export const TEMPLATES_CACHE_MS = 5 * 60_000;
const MAX_CACHED_CHANNELS = 1000;

interface Cached { at: number; templates: Promise<TemplateView[]> }
const cache = new Map<string, Cached>();

/**
 * The channel's templates, newest listing at most TEMPLATES_CACHE_MS old. Throws AppError:
 * validation_failed on a platform without templates, the adapter's own error for a missing
 * setting, platform_error (502) with the platform's reason when its API fails.
 */
export async function listChannelTemplates(ctx: Context, channelId: string): Promise<TemplateView[]> {
  const rt = await channelRuntime(ctx, channelId);
  if (!rt) throw notFound(`Channel ${channelId}`);
  const platform = rt.channel.platform;
  const list = adapterFor(platform)?.listTemplates;
  if (!list) throw noTemplatesOn(platform);
  // The non-secret settings are part of the key: an admin who fixes the account id sees its templates at once.
  const key = `${channelId} ${JSON.stringify(rt.channel.settings)}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TEMPLATES_CACHE_MS) return hit.templates;
  if (cache.size >= MAX_CACHED_CHANNELS) cache.clear();
  // The promise is kept, so that agents opening the picker together share one listing; a failure is not kept.
  const templates = list(ctx, rt).catch((err: unknown) => {
    cache.delete(key);
    throw asAppError(err, platform);
  });
  cache.set(key, { at: Date.now(), templates });
  return templates;
}

function asAppError(err: unknown, platform: string): unknown {
  if (!(err instanceof SendError)) return err;
  const retryAfterSeconds = err.retryAfterMs !== undefined ? Math.max(1, Math.ceil(err.retryAfterMs / 1000)) : undefined;
  return new AppError('platform_error', `The templates could not be listed. ${err.message}`,
    { platform, retryable: !err.permanent }, err.permanent ? undefined : retryAfterSeconds);
}
