// The Telegram Bot API's own shapes (Update, Message and what it carries, method answers), as
// core.telegram.org/bots/api gives them. Unknown fields pass; unknown update kinds are kept.
import { z } from 'zod';

const user = z.object({
  id: z.number().int(), is_bot: z.boolean().optional(), first_name: z.string().max(512).optional(),
  last_name: z.string().max(512).optional(), username: z.string().max(256).optional(), language_code: z.string().max(35).optional(),
});
const chat = z.object({
  id: z.number().int(), type: z.string().max(32), title: z.string().max(512).optional(),
  first_name: z.string().max(512).optional(), last_name: z.string().max(512).optional(), username: z.string().max(256).optional(),
});
const file = { file_id: z.string().min(1).max(512), file_unique_id: z.string().max(512).optional(), file_size: z.number().optional() };
const photoSize = z.object({ ...file, width: z.number(), height: z.number() });
const location = z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) });

export const telegramMessage = z.object({
  message_id: z.number().int(),
  from: user.optional(),
  chat,
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  reply_to_message: z.object({ message_id: z.number().int() }).optional(),
  photo: z.array(photoSize).max(50).optional(),
  voice: z.object({ ...file, duration: z.number().optional(), mime_type: z.string().optional() }).optional(),
  audio: z.object({ ...file, duration: z.number().optional(), mime_type: z.string().optional(), file_name: z.string().optional(), title: z.string().optional(), performer: z.string().optional() }).optional(),
  video: z.object({ ...file, duration: z.number().optional(), mime_type: z.string().optional(), file_name: z.string().optional() }).optional(),
  video_note: z.object({ ...file, duration: z.number().optional() }).optional(),
  document: z.object({ ...file, mime_type: z.string().optional(), file_name: z.string().optional() }).optional(),
  animation: z.object({ ...file, mime_type: z.string().optional(), file_name: z.string().optional() }).optional(),
  sticker: z.object({ ...file, emoji: z.string().optional(), set_name: z.string().optional(), is_animated: z.boolean().optional(), is_video: z.boolean().optional() }).optional(),
  location: location.optional(),
  venue: z.object({ location, title: z.string(), address: z.string() }).optional(),
  contact: z.object({ phone_number: z.string(), first_name: z.string(), last_name: z.string().optional(), user_id: z.number().optional(), vcard: z.string().optional() }).optional(),
  poll: z.object({ id: z.string(), question: z.string(), options: z.array(z.object({ text: z.string() })).max(20) }).optional(),
  dice: z.object({ emoji: z.string(), value: z.number() }).optional(),
});
export type TelegramMessage = z.infer<typeof telegramMessage>;

/**
 * One Update: exactly one of its optional parts is set. Kinds we do not handle (channel posts,
 * polls' answers...) parse too, their parts dropped, and are acknowledged without an event. Not a
 * loose object: zod compiles a plain one into a faster check, and nothing reads unknown parts.
 */
export const telegramUpdate = z.object({
  update_id: z.number().int(),
  message: telegramMessage.optional(),
  edited_message: telegramMessage.optional(),
  callback_query: z.object({
    id: z.string().min(1).max(256), from: user, data: z.string().max(256).optional(),
    message: z.object({ message_id: z.number().int(), chat }).optional(),
  }).optional(),
  my_chat_member: z.object({
    chat, from: user, date: z.number().int(),
    old_chat_member: z.object({ status: z.string() }), new_chat_member: z.object({ status: z.string() }),
  }).optional(),
});
export type TelegramUpdate = z.infer<typeof telegramUpdate>;

/** Every Bot API answer: ok with a result, or an error code, a description and maybe retry_after. */
export interface TelegramAnswer<T> {
  ok: boolean; result?: T; error_code?: number; description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}
export interface TelegramSentMessage { message_id: number }
export interface TelegramFile { file_id: string; file_size?: number; file_path?: string }
