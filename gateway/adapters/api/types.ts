// The api channel's wire shapes, as API.md documents them. They are our own public contract,
// so the inbound schema is strict about types and generous about what it ignores.
import { z } from 'zod';
import { MESSAGE_TYPES } from '../../../shared/types/message.js';

const id = z.string().trim().min(1).max(191);

export const apiInbound = z.object({
  externalUserId: id,
  externalMessageId: id,
  type: z.enum(MESSAGE_TYPES).default('text'),
  text: z.string().max(100_000).optional(),
  media: z.array(z.object({
    url: z.string().url().refine((u) => /^https?:\/\//i.test(u), 'media urls must be http or https'),
    mimeType: z.string().max(200).optional(),
  })).max(10).optional(),
  location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180), name: z.string().max(500).optional() }).optional(),
  payload: z.string().max(10_000).optional(),
  profile: z.object({ displayName: z.string().max(200).optional() }).optional(),
});
export type ApiInbound = z.infer<typeof apiInbound>;

/** What we POST to callbackUrl. */
export interface ApiOutbound {
  channelId: string;
  externalUserId: string;
  message: { id: string; type: string; text?: string; media?: { id: string; mimeType: string; size: number; url: string }[]; location?: unknown };
}
