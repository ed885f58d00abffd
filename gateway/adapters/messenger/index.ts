// Facebook Messenger (a Page's inbox) as a platform adapter: Meta's signed, batched page webhooks
// and subscription handshake in, the Send API out, attachment URLs fetched as they are. Wiring only.
import type { Adapter } from '../../adapter.js';
import { MESSENGER_SECRET_KEYS, messengerConfig } from './config.js';
import { messengerHandshake, parseMessenger, verifyMessenger } from './inbound.js';
import { fetchMessengerMedia } from './media.js';
import { sendMessenger } from './outbound.js';

export const messengerAdapter: Adapter = {
  platform: 'messenger',
  configSchema: messengerConfig,
  secretKeys: MESSENGER_SECRET_KEYS,
  webhook: { handshake: messengerHandshake, verify: verifyMessenger, parse: parseMessenger },
  send: sendMessenger,
  fetchMedia: fetchMessengerMedia,
};
