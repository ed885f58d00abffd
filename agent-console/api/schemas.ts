// Input schemas shared by the REST routes and the socket handlers, so both doors check alike.
import { z } from 'zod';

const id = z.string().min(1).max(36);
// A WhatsApp template as Meta names them: lowercase letters, digits and underscores; a language
// code such as "en" or "en_US"; up to 20 body parameters.
const templateSchema = z.object({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'must be the template\'s name as approved: lowercase letters, digits and "_"'),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$/, 'must be the language code of an approved translation, like "en" or "en_US"'),
  parameters: z.array(z.string().trim().min(1, 'must not be empty').max(1024, 'at most 1024 characters')).max(20, 'at most 20 parameters').optional(),
}).strict();

export const sendMessageSchema = (maxChars: number) => z.object({
  conversationId: id,
  text: z.string().trim().min(1, 'must not be empty').max(maxChars, `at most ${maxChars} characters`).optional(),
  mediaId: id.optional(),
  template: templateSchema.optional(),
  clientMessageId: z.string().min(1).max(100),
}).refine((v) => v.text !== undefined || v.mediaId !== undefined || v.template !== undefined, { message: 'give text, mediaId or template', path: ['text'] })
  .refine((v) => !(v.template && (v.text !== undefined || v.mediaId !== undefined)), { message: 'a template is sent alone: leave out text and mediaId', path: ['template'] });

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
