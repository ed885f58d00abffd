import { z } from 'zod';

/** Web chat settings: which sites may embed the widget (empty: any). */
export const webchatConfig = z.object({
  allowedOrigins: z.array(z.string().url().or(z.literal('*'))).max(100).optional(),
  title: z.string().max(100).optional(),
  greeting: z.string().max(1000).optional(),
}).passthrough();
