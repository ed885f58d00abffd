// The LINE Messaging API's own shapes (webhook events, push request and answers), as its
// documentation gives them. Never exported past this adapter.
import { z } from 'zod';

const source = z.object({
  type: z.string(),
  userId: z.string().max(191).optional(),
  groupId: z.string().max(191).optional(),
  roomId: z.string().max(191).optional(),
});

const contentProvider = z.object({
  type: z.string(),
  originalContentUrl: z.string().optional(),
  previewImageUrl: z.string().optional(),
}).optional();

/** A message object inside a message event; fields beyond `id`/`type` depend on the type. */
export const lineMessage = z.object({
  id: z.string().min(1).max(191),
  type: z.string(),
  text: z.string().optional(),
  quotedMessageId: z.string().optional(),
  contentProvider,
  duration: z.number().optional(),
  fileName: z.string().optional(),
  fileSize: z.number().optional(),
  title: z.string().optional(),
  address: z.string().optional(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
  packageId: z.string().optional(),
  stickerId: z.string().optional(),
  keywords: z.array(z.string()).optional(),
});
export type LineMessage = z.infer<typeof lineMessage>;

/** One webhook event. Unknown event types are kept (as events), never rejected. */
export const lineEvent = z.object({
  type: z.string().min(1).max(64),
  mode: z.string().optional(),
  timestamp: z.number(),
  source: source.optional(),
  webhookEventId: z.string().min(1).max(191),
  deliveryContext: z.object({ isRedelivery: z.boolean() }).optional(),
  replyToken: z.string().optional(),
  message: lineMessage.optional(),
  postback: z.object({ data: z.string(), params: z.record(z.string(), z.unknown()).optional() }).optional(),
  unsend: z.object({ messageId: z.string() }).optional(),
  follow: z.object({ isUnblocked: z.boolean() }).optional(),
});
export type LineEvent = z.infer<typeof lineEvent>;

/** The webhook body: events batched, in the order they happened. */
export const lineWebhookBody = z.object({
  destination: z.string().optional(),
  events: z.array(lineEvent).max(1000),
});

export type LineOutMessage =
  | { type: 'text'; text: string }
  | { type: 'image'; originalContentUrl: string; previewImageUrl: string }
  | { type: 'video'; originalContentUrl: string; previewImageUrl: string }
  | { type: 'audio'; originalContentUrl: string; duration: number }
  | { type: 'location'; title: string; address: string; latitude: number; longitude: number };

export interface LinePushRequest { to: string; messages: LineOutMessage[] }

/** 200 answer of the push API (also repeated in a 409 for an already-accepted retry key). */
export interface LinePushResponse { sentMessages?: { id: string; quoteToken?: string }[] }

/** Error body of every LINE API. */
export interface LineErrorBody { message?: string; details?: { message?: string; property?: string }[] }
