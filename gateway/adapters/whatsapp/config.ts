// A WhatsApp Business (Cloud API) channel's settings: the business phone number's id, a system
// user access token, the Meta app's secret (webhook signatures), the verify token of the
// subscription handshake, where the Graph API is, and the WhatsApp Business Account that owns
// the number (only needed to list its approved templates).
import { z } from 'zod';
import { parsedOncePerChannel, type ChannelRuntime } from '../../adapter.js';

export const GRAPH_API = 'https://graph.facebook.com';
export const DEFAULT_GRAPH_VERSION = 'v21.0';

export const whatsappConfig = z.object({
  phoneNumberId: z.string().regex(/^\d{5,30}$/, 'must be the phone number ID from WhatsApp Manager (digits)'),
  accessToken: z.string().min(10).max(2000),
  appSecret: z.string().min(8).max(200),
  verifyToken: z.string().min(8).max(200),
  businessAccountId: z.string().regex(/^\d{5,30}$/, 'must be the WhatsApp Business Account ID from WhatsApp Manager (digits)').optional(),
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'must look like v21.0').optional(),
  apiBaseUrl: z.string().url().optional(),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
}).passthrough();

export const WHATSAPP_SECRET_KEYS = ['accessToken', 'appSecret', 'verifyToken'] as const;

export interface WhatsappSettings { phoneNumberId: string; accessToken: string; appSecret: string; verifyToken: string; businessAccountId?: string; apiBaseUrl: string; version: string; timeoutMs?: number }

export const whatsappSettings = parsedOncePerChannel((ch: ChannelRuntime): WhatsappSettings => {
  const c = whatsappConfig.parse(ch.config);
  return {
    phoneNumberId: c.phoneNumberId, accessToken: c.accessToken, appSecret: c.appSecret, verifyToken: c.verifyToken, businessAccountId: c.businessAccountId,
    apiBaseUrl: (c.apiBaseUrl ?? GRAPH_API).replace(/\/+$/, ''), version: c.apiVersion ?? DEFAULT_GRAPH_VERSION, timeoutMs: c.timeoutMs,
  };
});
