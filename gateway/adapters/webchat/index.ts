// The web chat widget as a platform adapter: no webhook (the browser talks to the /customer
// socket namespace, see customer-namespace.ts), and sending is an event to the visitor's room.
import type { Adapter } from '../../adapter.js';
import { webchatConfig } from './config.js';
import { sendWebchat } from './outbound.js';

export const webchatAdapter: Adapter = {
  platform: 'webchat',
  configSchema: webchatConfig,
  secretKeys: [],
  send: sendWebchat,
};
