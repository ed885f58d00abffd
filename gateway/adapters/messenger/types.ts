// The Messenger Platform's own shapes: the page webhook (entries with messaging events: message,
// postback, delivery, read, reaction, referral, optin, message edits), Send API answers and errors.
import { z } from 'zod';

const stickerId = z.union([z.number(), z.string().max(64)]);

const attachment = z.object({
  type: z.string().min(1).max(32),
  payload: z.object({
    url: z.string().max(4000).optional(), title: z.string().optional(), sticker_id: stickerId.optional(),
    coordinates: z.object({ lat: z.number(), long: z.number() }).optional(),
  }).passthrough().nullable().optional(),
  title: z.string().optional(),
  url: z.string().optional(),
  sticker_id: stickerId.optional(),
});

export const messengerEvent = z.object({
  sender: z.object({ id: z.string().min(1).max(64) }),
  recipient: z.object({ id: z.string().min(1).max(64) }),
  timestamp: z.number(),
  message: z.object({
    mid: z.string().min(1).max(191),
    text: z.string().optional(),
    is_echo: z.boolean().optional(),
    is_deleted: z.boolean().optional(),
    attachments: z.array(attachment).max(100).optional(),
    quick_reply: z.object({ payload: z.string() }).optional(),
    reply_to: z.object({ mid: z.string() }).optional(),
    sticker_id: stickerId.optional(),
  }).optional(),
  postback: z.object({ title: z.string().optional(), payload: z.string().optional(), mid: z.string().optional() }).optional(),
  delivery: z.object({ mids: z.array(z.string()).optional(), watermark: z.number() }).optional(),
  read: z.object({ watermark: z.number() }).optional(),
  reaction: z.object({ mid: z.string(), action: z.string(), reaction: z.string().optional(), emoji: z.string().optional() }).optional(),
  referral: z.object({ ref: z.string().optional(), source: z.string().optional(), type: z.string().optional() }).optional(),
  optin: z.object({ ref: z.string().optional(), type: z.string().optional() }).passthrough().optional(),
  message_edit: z.object({ mid: z.string(), text: z.string().optional(), num_edit: z.number().optional() }).optional(),
}).passthrough();
export type MessengerEvent = z.infer<typeof messengerEvent>;
export type MessengerAttachment = z.infer<typeof attachment>;
export type MessengerEntry = z.infer<typeof messengerWebhookBody>['entry'][number];

export const messengerWebhookBody = z.object({
  object: z.string(),
  entry: z.array(z.object({
    id: z.string(),
    time: z.number().optional(),
    messaging: z.array(messengerEvent).max(1000).optional(),
    // Events of threads another app of the page owns (handover protocol): ours only to know of.
    standby: z.array(z.object({
      sender: z.object({ id: z.string().min(1).max(64) }).optional(),
      recipient: z.object({ id: z.string().min(1).max(64) }).optional(),
      timestamp: z.number().optional(),
      message: z.object({ mid: z.string().max(191).optional(), is_echo: z.boolean().optional() }).passthrough().optional(),
    }).passthrough()).max(1000).optional(),
  })).max(1000),
});

export interface MessengerSendAnswer { recipient_id?: string; message_id?: string }
export interface MessengerErrorBody { error?: { message?: string; type?: string; code?: number; error_subcode?: number; fbtrace_id?: string } }
