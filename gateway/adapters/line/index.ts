// The LINE Messaging API as a platform adapter: signed batched webhooks in, push API out,
// content API for attachments. This file only wires the parts together.
import type { Adapter } from '../../adapter.js';
import { LINE_SECRET_KEYS, lineConfig } from './config.js';
import { parseLine, verifyLine } from './inbound.js';
import { fetchLineMedia } from './media.js';
import { sendLine } from './outbound.js';

export const lineAdapter: Adapter = {
  platform: 'line',
  configSchema: lineConfig,
  secretKeys: LINE_SECRET_KEYS,
  webhook: { verify: verifyLine, parse: parseLine },
  send: sendLine,
  fetchMedia: fetchLineMedia,
};
