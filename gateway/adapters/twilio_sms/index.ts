// Twilio Programmable Messaging (SMS and MMS) as a platform adapter: signed form webhooks for
// messages and statuses, the Messages resource out, MediaUrl downloads for attachments.
import type { Adapter } from '../../adapter.js';
import { TWILIO_SECRET_KEYS, twilioConfig } from './config.js';
import { parseTwilio, replyTwilio, verifyTwilio } from './inbound.js';
import { fetchTwilioMedia } from './media.js';
import { sendTwilio } from './outbound.js';

export const twilioSmsAdapter: Adapter = {
  platform: 'twilio_sms',
  configSchema: twilioConfig,
  secretKeys: TWILIO_SECRET_KEYS,
  webhook: { verify: verifyTwilio, parse: parseTwilio, reply: replyTwilio },
  send: sendTwilio,
  fetchMedia: fetchTwilioMedia,
};
