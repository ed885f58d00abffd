// The generic api channel as a platform adapter (API.md): signed JSON in, signed JSON out to the
// channel's callbackUrl, attachments by URL.
import type { Adapter } from '../../adapter.js';
import { API_SECRET_KEYS, apiConfig } from './config.js';
import { parseApi, verifyApi } from './inbound.js';
import { fetchApiMedia } from './media.js';
import { sendApi } from './outbound.js';

export const apiAdapter: Adapter = {
  platform: 'api',
  configSchema: apiConfig,
  secretKeys: API_SECRET_KEYS,
  webhook: { verify: verifyApi, parse: parseApi },
  send: sendApi,
  fetchMedia: fetchApiMedia,
};
