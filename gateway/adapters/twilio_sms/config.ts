// A Twilio Programmable Messaging channel (SMS, MMS): the account and its auth token, and the
// number (or Messaging Service) we send from.
import { z } from 'zod';
import { parsedOncePerChannel, type ChannelRuntime } from '../../adapter.js';

export const TWILIO_API = 'https://api.twilio.com';

export const twilioConfig = z.object({
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID is AC followed by 32 hex digits'),
  authToken: z.string().min(8).max(200),
  /** E.164 number ("+15551234567"), a "whatsapp:+..." sender, or a Messaging Service SID ("MG..."). */
  fromNumber: z.string().regex(/^(\+[1-9]\d{4,14}|whatsapp:\+[1-9]\d{4,14}|MG[0-9a-fA-F]{32}|[A-Za-z0-9 ]{1,11})$/, 'an E.164 number, whatsapp:+number, alphanumeric sender id or Messaging Service SID'),
  apiBaseUrl: z.string().url().optional(),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
}).passthrough();

export const TWILIO_SECRET_KEYS = ['authToken'] as const;

export interface TwilioSettings { accountSid: string; authToken: string; fromNumber: string; apiBaseUrl: string; timeoutMs?: number }

export const twilioSettings = parsedOncePerChannel((ch: ChannelRuntime): TwilioSettings => {
  const c = twilioConfig.parse(ch.config);
  return { accountSid: c.accountSid, authToken: c.authToken, fromNumber: c.fromNumber, apiBaseUrl: (c.apiBaseUrl ?? TWILIO_API).replace(/\/+$/, ''), timeoutMs: c.timeoutMs };
});
