// Media on messages, for the switch and the gateway: an uploaded file as a message's attachment,
// links that customers and platforms can load, and the fetch job for platform references.
import type { Context } from '../shared/context.js';
import { MediaEntity, type Media, type Message } from '../shared/db/entities/index.js';
import { AppError, notFound } from '../shared/errors.js';
import type { MessageView } from '../shared/types/api.js';
import type { MediaRef, MessageContent, MessageType } from '../shared/types/message.js';
import { messageTypeFor } from './media-types.js';
import { displayName } from './object-keys.js';
import { DEFAULT_LINK_TTL_SECONDS, signedMediaUrl } from './signed-url.js';

/** How a stored file sits on a message (no URL: links are signed when they are handed out). */
export function storedRef(m: Media, from: MediaRef = {}): MediaRef {
  const ref: MediaRef = { id: m.id, mimeType: m.mimeType, size: m.size };
  // The sender's own name for it wins: with the same bytes stored once, the row holds the first name.
  const fileName = from.fileName ? displayName(from.fileName) : m.fileName;
  if (fileName) ref.fileName = fileName;
  if (m.thumbnailKey) ref.hasThumbnail = true;
  if (from.caption) ref.caption = from.caption;
  if (from.transcript) ref.transcript = from.transcript;
  if (from.platformRef) ref.platformRef = from.platformRef;
  return ref;
}

/**
 * An uploaded file as the attachment of a message being sent: it must be a stored file of the
 * sender's tenant (404 otherwise, as for any other tenant's object).
 */
export async function attachmentFor(ctx: Context, tenantId: string, mediaId: string): Promise<{ type: MessageType; ref: MediaRef }> {
  const m = await ctx.db.manager.findOneBy(MediaEntity, { id: mediaId, tenantId });
  if (!m) throw notFound(`Attachment ${mediaId}`);
  if (m.status !== 'stored') throw new AppError('conflict', 'This attachment is unavailable and cannot be sent; upload the file again.');
  return { type: messageTypeFor(m.mimeType), ref: storedRef(m) };
}

/** A message as a web chat customer sees it: media links they can load without a bearer token. */
export function customerMessageView(ctx: Context, view: MessageView): MessageView {
  // The customer matches echoes of their own messages by clientMessageId; the agents' ids are not theirs to see.
  if (view.clientMessageId && view.sender !== 'customer') {
    const { clientMessageId: _hidden, ...rest } = view;
    view = rest;
  }
  if (!view.media?.length) return view;
  return {
    ...view,
    media: view.media.map((m) => (m.url
      ? { ...m, url: signedMediaUrl(ctx, m.id), ...(m.thumbnailUrl ? { thumbnailUrl: signedMediaUrl(ctx, m.id, DEFAULT_LINK_TTL_SECONDS, 'thumbnail') } : {}) }
      : m)),
  };
}

/** An outbound message's content with an absolute signed URL on every stored attachment, for platforms to fetch. */
export function withSignedMediaUrls(ctx: Context, content: MessageContent): MessageContent {
  if (!content.media?.length) return content;
  return { ...content, media: content.media.map((r) => (r.id && !r.unavailable ? { ...r, url: signedMediaUrl(ctx, r.id) } : r)) };
}

/** Platform references not fetched yet (no id of ours, not given up on). */
export function needsFetch(message: Pick<Message, 'content'>): boolean {
  return !!message.content?.media?.some((r) => !r.id && !r.unavailable);
}

/** Queues the durable fetch of a stored inbound message's platform attachments, once per message. */
export async function scheduleMediaFetch(ctx: Context, message: Pick<Message, 'id' | 'content'>): Promise<void> {
  if (!needsFetch(message)) return;
  await ctx.jobs.add('media-fetch', { messageId: message.id }, { jobId: `media-${message.id}`, attempts: ctx.config.mediaFetchAttempts });
}
