// A Telegram bot channel's settings: the bot token from @BotFather, the secret token given to
// setWebhook (Telegram sends it back in X-Telegram-Bot-Api-Secret-Token), and where the Bot API is.
import { z } from 'zod';
import { parsedOncePerChannel, type ChannelRuntime } from '../../adapter.js';

export const TELEGRAM_API = 'https://api.telegram.org';

export const telegramConfig = z.object({
  botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must be the bot token @BotFather gave, like 123456:ABC-DEF...').max(200),
  // setWebhook's secret_token: 1-256 characters, letters, digits, _ and - only.
  secretToken: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 letters, digits, "_" or "-" (Telegram\'s secret_token)'),
  apiBaseUrl: z.string().url().optional(),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
}).passthrough();

export const TELEGRAM_SECRET_KEYS = ['botToken', 'secretToken'] as const;

export interface TelegramSettings { botToken: string; secretToken: string; apiBaseUrl: string; timeoutMs?: number }

export const telegramSettings = parsedOncePerChannel((ch: ChannelRuntime): TelegramSettings => {
  const c = telegramConfig.parse(ch.config);
  return { botToken: c.botToken, secretToken: c.secretToken, apiBaseUrl: (c.apiBaseUrl ?? TELEGRAM_API).replace(/\/+$/, ''), timeoutMs: c.timeoutMs };
});

/** Bot API methods live under /bot<token>/<method>. */
export const methodPath = (s: TelegramSettings, method: string) => `/bot${s.botToken}/${method}`;
