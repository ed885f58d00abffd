// The WhatsApp Cloud API's own shapes: the webhook notification (entries → changes → value with
// messages, statuses and contacts), send requests and answers, Graph errors. As Meta documents
// them; unknown fields pass, unknown message types are kept.
import { z } from 'zod';

/** An error in a notification (a failed status, an unsupported message, a system-level error). */
const graphError = z.object({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional(), error_data: z.object({ details: z.string().optional() }).optional() });
export type WhatsappNotificationError = z.infer<typeof graphError>;

const media = { id: z.string().min(1).max(256), mime_type: z.string().max(255).optional(), sha256: z.string().optional(), caption: z.string().optional() };

export const whatsappMessage = z.object({
  from: z.string().min(1).max(64),
  id: z.string().min(1).max(191),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string().min(1).max(64),
  context: z.object({ from: z.string().optional(), id: z.string().optional() }).optional(),
  text: z.object({ body: z.string() }).optional(),
  image: z.object(media).optional(),
  audio: z.object({ ...media, voice: z.boolean().optional() }).optional(),
  video: z.object(media).optional(),
  document: z.object({ ...media, filename: z.string().optional() }).optional(),
  sticker: z.object({ ...media, animated: z.boolean().optional() }).optional(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional(), url: z.string().optional() }).optional(),
  contacts: z.array(z.object({
    name: z.object({ formatted_name: z.string().optional(), first_name: z.string().optional(), last_name: z.string().optional() }).optional(),
    phones: z.array(z.object({ phone: z.string().optional(), wa_id: z.string().optional(), type: z.string().optional() })).optional(),
  })).max(50).optional(),
  interactive: z.object({
    type: z.string(),
    button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
    list_reply: z.object({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    nfm_reply: z.object({ response_json: z.string().optional(), body: z.string().optional(), name: z.string().optional() }).optional(),
  }).optional(),
  button: z.object({ payload: z.string().optional(), text: z.string() }).optional(),
  reaction: z.object({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  order: z.object({ catalog_id: z.string().optional(), text: z.string().optional(), product_items: z.array(z.object({ product_retailer_id: z.string(), quantity: z.union([z.number(), z.string()]).optional() })).optional() }).optional(),
  system: z.object({ body: z.string().optional(), type: z.string().optional() }).optional(),
  unsupported: z.object({ type: z.string().optional() }).optional(),
  errors: z.array(graphError).optional(),
});
export type WhatsappMessage = z.infer<typeof whatsappMessage>;


export const whatsappStatus = z.object({
  id: z.string().min(1).max(191),
  status: z.string().min(1).max(32),
  timestamp: z.string().regex(/^\d+$/),
  recipient_id: z.string().max(64).optional(),
  errors: z.array(graphError).optional(),
});
export type WhatsappStatus = z.infer<typeof whatsappStatus>;

export const whatsappValue = z.object({
  messaging_product: z.string().optional(),
  metadata: z.object({ display_phone_number: z.string().optional(), phone_number_id: z.string() }),
  contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(whatsappMessage).max(1000).optional(),
  statuses: z.array(whatsappStatus).max(1000).optional(),
  errors: z.array(graphError).optional(),
});
export type WhatsappValue = z.infer<typeof whatsappValue>;

export const whatsappWebhookBody = z.object({
  object: z.string(),
  entry: z.array(z.object({
    id: z.string(),
    changes: z.array(z.object({ field: z.string(), value: z.unknown() })).max(1000),
  })).max(1000),
});

export interface WhatsappSendAnswer { messages?: { id: string; message_status?: string }[] }
export interface WhatsappMediaInfo { url?: string; mime_type?: string; file_size?: number | string; sha256?: string; id?: string }
export interface WhatsappErrorBody { error?: { message?: string; type?: string; code?: number; error_subcode?: number; error_data?: { details?: string }; fbtrace_id?: string } }

/** One template of GET /<WABA id>/message_templates (Business Management API); unknown fields pass. */
export const whatsappTemplate = z.object({
  name: z.string(),
  language: z.string(),
  status: z.string(),
  category: z.string().optional(),
  parameter_format: z.string().optional(),
  components: z.array(z.object({
    type: z.string(),
    format: z.string().optional(),
    text: z.string().optional(),
    buttons: z.array(z.object({ type: z.string(), text: z.string().optional(), url: z.string().optional() }).passthrough()).optional(),
  }).passthrough()).default([]),
}).passthrough();
export type WhatsappTemplate = z.infer<typeof whatsappTemplate>;

/** A page of templates: Graph's cursor paging, `next` only when another page follows. */
export interface WhatsappTemplatePage {
  data?: unknown[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string };
}
