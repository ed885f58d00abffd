// The Telegram Bot API as a platform adapter: webhook updates checked by their secret token,
// Bot API methods out, getFile for attachments. This file only wires the parts together.
import type { Adapter } from '../../adapter.js';
import { TELEGRAM_SECRET_KEYS, telegramConfig } from './config.js';
import { parseTelegram, verifyTelegram } from './inbound.js';
import { fetchTelegramMedia } from './media.js';
import { sendTelegram } from './outbound.js';

export const telegramAdapter: Adapter = {
  platform: 'telegram',
  configSchema: telegramConfig,
  secretKeys: TELEGRAM_SECRET_KEYS,
  webhook: { verify: verifyTelegram, parse: parseTelegram },
  send: sendTelegram,
  fetchMedia: fetchTelegramMedia,
};
