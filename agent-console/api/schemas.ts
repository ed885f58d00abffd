// Input schemas shared by the REST routes and the socket handlers, so both doors check alike.
import { z } from 'zod';

const id = z.string().min(1).max(36);
export const sendMessageSchema = (maxChars: number) => z.object({
  conversationId: id,
  text: z.string().trim().min(1, 'must not be empty').max(maxChars, `at most ${maxChars} characters`).optional(),
  mediaId: id.optional(),
  clientMessageId: z.string().min(1).max(100),
}).refine((v) => v.text !== undefined || v.mediaId !== undefined, { message: 'give text or mediaId', path: ['text'] });

export const transferSchema = z.object({ conversationId: id, agentId: id.optional(), queueId: id.optional(), note: z.string().max(2000).optional() });
export const closeSchema = z.object({ conversationId: id, disposition: z.string().trim().max(200).optional() });
export const acceptSchema = z.object({ conversationId: id });
export const syncSchema = z.object({ afterMessageId: id.optional() }).default({});
export const statusSchema = z.object({ status: z.enum(['online', 'away', 'offline']) });
export const typingSchema = z.object({ conversationId: id });
export const listSchema = z.object({
  status: z.enum(['bot', 'queued', 'assigned', 'closed']).optional(),
  queueId: id.optional(), agentId: id.optional(), q: z.string().max(200).optional(), cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export const messagesQuerySchema = z.object({ after: id.optional(), limit: z.coerce.number().int().min(1).max(500).optional() });
export const loginSchema = z.object({ tenant: z.string().trim().min(1).max(64), email: z.string().trim().min(1).max(254), password: z.string().min(1).max(200) });
export const searchSchema = z.object({ q: z.string().trim().min(2, 'at least 2 characters').max(200) });
