// Job: fetches the platform attachments of one stored inbound message into our store and puts
// our ids on the message. Transient failures retry with backoff; a final failure marks the
// attachment unavailable on the message (never a silent gap). Safe to run twice.
import { Readable } from 'node:stream';
import type { Job } from 'bullmq';
import type { Context } from '../shared/context.js';
import { AppError } from '../shared/errors.js';
import type { MediaRef } from '../shared/types/message.js';
import { fetchPlatformMedia } from '../gateway/index.js';
import { findMessage, updateMessageMedia } from '../switch/index.js';
import type { StorageDriver } from './storage/driver.js';
import { mediaLimits } from './media-limits.js';
import { recordUnavailable, storeMedia } from './store-media.js';
import { storedRef } from './attachments.js';

export async function fetchInboundMedia(ctx: Context, storage: StorageDriver, messageId: string, job?: Job): Promise<void> {
  const msg = await findMessage(ctx, messageId);
  const refs = msg?.content?.media;
  if (!msg || !refs?.length) return;
  const lastAttempt = !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const { maxBytes } = await mediaLimits(ctx, msg.tenantId);
  const owner = `conversation:${msg.conversationId}`;
  const next: MediaRef[] = [...refs];
  let changed = false;
  let retryWith: Error | undefined;

  for (const [i, ref] of refs.entries()) {
    if (ref.id || ref.unavailable) continue;
    try {
      const fetched = await fetchPlatformMedia(ctx, msg.channelId, ref);
      const body = Buffer.isBuffer(fetched.body) ? Readable.from([fetched.body]) : fetched.body;
      try {
        const media = await storeMedia(ctx, storage, { tenantId: msg.tenantId, owner, body, fileName: ref.fileName ?? fetched.fileName, maxBytes });
        next[i] = storedRef(media, ref);
      } finally {
        body.destroy(); // an early refusal (size, type) must not leave the platform's connection open
      }
      changed = true;
    } catch (err) {
      const reason = (err as Error)?.message ?? String(err);
      if (isPermanent(err) || lastAttempt) {
        const row = await recordUnavailable(ctx, msg.tenantId, owner, ref.mimeType, ref.fileName, reason);
        next[i] = unavailableRef(ref, row.id, reason);
        changed = true;
        ctx.logger.warn({ messageId, tenantId: msg.tenantId, err: reason }, 'inbound attachment unavailable');
      } else {
        retryWith ??= err instanceof Error ? err : new Error(reason);
      }
    }
  }
  // Progress is saved before a retry, so that a second attempt fetches only what is still missing.
  if (changed) await updateMessageMedia(ctx, msg.id, next);
  if (retryWith) throw retryWith;
}

/** Our own refusals (size, type) and the platform's permanent answers will not change on a retry. */
function isPermanent(err: unknown): boolean {
  if (err instanceof AppError) return err.code !== 'internal' && err.code !== 'dependency_down';
  // The gateway's SendError, recognised by its shape so that we need none of its internals.
  return (err as { permanent?: unknown })?.permanent === true;
}

function unavailableRef(ref: MediaRef, id: string, reason: string): MediaRef {
  const out: MediaRef = { id, unavailable: true, error: `Attachment unavailable: ${reason}` };
  if (ref.mimeType) out.mimeType = ref.mimeType;
  if (ref.fileName) out.fileName = ref.fileName;
  if (ref.caption) out.caption = ref.caption;
  if (ref.transcript) out.transcript = ref.transcript;
  if (ref.platformRef) out.platformRef = ref.platformRef;
  return out;
}
