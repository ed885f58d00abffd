// A WeChat Official Account channel: the account's appId/appSecret (for API calls), the
// server token (webhook signatures) and, for safe mode, the encodingAESKey.
import { z } from 'zod';
import { parsedOncePerChannel, type ChannelRuntime } from '../../adapter.js';

export const WECHAT_API = 'https://api.weixin.qq.com';

export const wechatConfig = z.object({
  appId: z.string().min(1).max(64),
  appSecret: z.string().min(1).max(200),
  token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'WeChat tokens are 3 to 32 letters and digits'),
  encodingAESKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'an encodingAESKey is 43 letters and digits').optional(),
  apiBaseUrl: z.string().url().optional(),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
}).passthrough();

export const WECHAT_SECRET_KEYS = ['appSecret', 'token', 'encodingAESKey'] as const;

export interface WechatSettings { appId: string; appSecret: string; token: string; encodingAESKey?: string; apiBaseUrl: string; timeoutMs?: number }

export const wechatSettings = parsedOncePerChannel((ch: ChannelRuntime): WechatSettings => {
  const c = wechatConfig.parse(ch.config);
  return {
    appId: c.appId, appSecret: c.appSecret, token: c.token, encodingAESKey: c.encodingAESKey,
    apiBaseUrl: (c.apiBaseUrl ?? WECHAT_API).replace(/\/+$/, ''), timeoutMs: c.timeoutMs,
  };
});
