// Input schemas of the routing doors (REST and the /agent socket alike): offers, manual picks.
import { z } from 'zod';

const id = z.string().min(1).max(36);
export const declineSchema = z.object({ conversationId: id });
export const pickSchema = z.object({ queueId: id.optional(), conversationId: id.optional() }).default({});
export const pickBodySchema = z.object({ conversationId: id.optional() }).default({});
