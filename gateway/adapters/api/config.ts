// The generic api channel (API.md): a CRM or any platform we do not have yet posts signed JSON
// to our webhook, and we post the agents' answers, signed the same way, to its callbackUrl.
import { z } from 'zod';
import { parsedOncePerChannel, type ChannelRuntime } from '../../adapter.js';

export const apiConfig = z.object({
  secret: z.string().min(16, 'use at least 16 characters for the signing secret').max(500),
  callbackUrl: z.string().url().refine((u) => /^https?:\/\//i.test(u), 'the callbackUrl must be http or https'),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
}).passthrough();

export const API_SECRET_KEYS = ['secret'] as const;

export interface ApiSettings { secret: string; callbackUrl: string; timeoutMs?: number }

export const apiSettings = parsedOncePerChannel((ch: ChannelRuntime): ApiSettings => {
  const c = apiConfig.parse(ch.config);
  return { secret: c.secret, callbackUrl: c.callbackUrl, timeoutMs: c.timeoutMs };
});
