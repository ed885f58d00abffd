// A LINE channel's settings: the Messaging API channel's access token and secret, and where
// its APIs are (the real ones unless a test points them at a fake server).
import { z } from 'zod';
import { parsedOncePerChannel, type ChannelRuntime } from '../../adapter.js';

export const LINE_API = 'https://api.line.me';
export const LINE_DATA_API = 'https://api-data.line.me';

export const lineConfig = z.object({
  channelAccessToken: z.string().min(1).max(2000),
  channelSecret: z.string().min(1).max(200),
  apiBaseUrl: z.string().url().optional(),
  /** Content downloads live on another host; defaults to apiBaseUrl when that is set. */
  dataApiBaseUrl: z.string().url().optional(),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
}).passthrough();

export const LINE_SECRET_KEYS = ['channelAccessToken', 'channelSecret'] as const;

export interface LineSettings { channelAccessToken: string; channelSecret: string; apiBaseUrl: string; dataApiBaseUrl: string; timeoutMs?: number }

/** The channel's settings with defaults applied (the stored config was validated on write). */
export const lineSettings = parsedOncePerChannel((ch: ChannelRuntime): LineSettings => {
  const c = lineConfig.parse(ch.config);
  const apiBaseUrl = (c.apiBaseUrl ?? LINE_API).replace(/\/+$/, '');
  return {
    channelAccessToken: c.channelAccessToken, channelSecret: c.channelSecret, timeoutMs: c.timeoutMs,
    apiBaseUrl, dataApiBaseUrl: (c.dataApiBaseUrl ?? (c.apiBaseUrl ? apiBaseUrl : LINE_DATA_API)).replace(/\/+$/, ''),
  };
});
