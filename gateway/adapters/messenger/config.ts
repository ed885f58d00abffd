// A Facebook Page's Messenger channel: the page id and its page access token, the Meta app's
// secret (webhook signatures), the verify token of the subscription handshake, and whether
// agents may answer after the 24-hour window with the HUMAN_AGENT tag (a permission Meta grants).
import { z } from 'zod';
import { parsedOncePerChannel, type ChannelRuntime } from '../../adapter.js';
import { DEFAULT_GRAPH_VERSION, GRAPH_API } from '../whatsapp/config.js';

export const messengerConfig = z.object({
  pageId: z.string().regex(/^\d{5,30}$/, 'must be the Facebook Page\'s numeric id'),
  pageAccessToken: z.string().min(10).max(2000),
  appSecret: z.string().min(8).max(200),
  verifyToken: z.string().min(8).max(200),
  humanAgentTag: z.boolean().optional(),
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'must look like v21.0').optional(),
  apiBaseUrl: z.string().url().optional(),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
}).passthrough();

export const MESSENGER_SECRET_KEYS = ['pageAccessToken', 'appSecret', 'verifyToken'] as const;

export interface MessengerSettings {
  pageId: string; pageAccessToken: string; appSecret: string; verifyToken: string; humanAgentTag: boolean;
  apiBaseUrl: string; version: string; timeoutMs?: number;
}

export const messengerSettings = parsedOncePerChannel((ch: ChannelRuntime): MessengerSettings => {
  const c = messengerConfig.parse(ch.config);
  return {
    pageId: c.pageId, pageAccessToken: c.pageAccessToken, appSecret: c.appSecret, verifyToken: c.verifyToken, humanAgentTag: c.humanAgentTag ?? false,
    apiBaseUrl: (c.apiBaseUrl ?? GRAPH_API).replace(/\/+$/, ''), version: c.apiVersion ?? DEFAULT_GRAPH_VERSION, timeoutMs: c.timeoutMs,
  };
});
