// Stores one file, from an upload or a platform: checked and hashed while it streams in, then
// kept under its content key. The same bytes twice are one row and one object.
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Context } from '../shared/context.js';
import { MediaEntity, type Media } from '../shared/db/entities/index.js';
import { isUniqueViolation } from '../shared/db/unique-violation.js';
import { newId } from '../shared/ids.js';
import type { StorageDriver } from './storage/driver.js';
import { readUpTo } from './storage/read-up-to.js';
import { PART_BYTES } from './storage/s3-driver.js';
import { UploadInspector } from './upload-inspector.js';
import { contentKey, displayName, temporaryKey, thumbnailKey } from './object-keys.js';
import { isImage } from './media-types.js';
import { makeThumbnail } from './thumbnail.js';

export interface StoreInput {
  tenantId: string;
  owner: string;             // user:<id>, visitor:<channel>:<visitor>, conversation:<id>
  body: Readable;
  fileName?: string;         // the sender's name for it, display only
  maxBytes: number;
}

/**
 * Files up to this size are held in memory until their hash is known and then written once,
 * straight to their content key (most chat media: photos, voice notes). The S3 driver holds one
 * part of this size anyway, so it costs no more memory; larger files go through a temporary key.
 */
const DIRECT_PUT_BYTES = PART_BYTES;

export async function storeMedia(ctx: Context, storage: StorageDriver, input: StoreInput): Promise<Media> {
  const inspector = new UploadInspector(input.maxBytes);
  // The inspector fails the stream on the first byte over the limit or on a refused type.
  const piped = pipeline(input.body, inspector);
  piped.catch(() => {}); // awaited below; a failure also reaches readers of the inspector
  const first = await readUpTo(inspector, DIRECT_PUT_BYTES + 1).catch(async (err) => {
    await piped.catch(() => {});
    throw err;
  });
  if (first.ended) {
    await piped;
    return keep(ctx, storage, input, inspector, { data: first.data });
  }
  inspector.unshift(first.data);
  const tempKey = temporaryKey(input.tenantId);
  // A store that fails stops the inspector in turn. Both sides are awaited before cleaning up,
  // so that nothing of a refused file outlives the request.
  const written = storage.put(tempKey, inspector, undefined, 'application/octet-stream').catch((err) => {
    inspector.destroy(err);
    throw err;
  });
  const [pipedResult, put] = await Promise.allSettled([piped, written]);
  if (pipedResult.status === 'rejected' || put.status === 'rejected') {
    await storage.remove(tempKey).catch(() => {});
    throw pipedResult.status === 'rejected' ? pipedResult.reason : (put as PromiseRejectedResult).reason;
  }
  return keep(ctx, storage, input, inspector, { tempKey });
}

/** The checked file, in memory or at a temporary key: kept once per tenant and content, with its row. */
async function keep(ctx: Context, storage: StorageDriver, input: StoreInput, inspector: UploadInspector, from: { data?: Buffer; tempKey?: string }): Promise<Media> {
  const detected = inspector.detected!;
  const sha256 = inspector.sha256;
  const m = ctx.db.manager;
  const existing = await m.findOneBy(MediaEntity, { tenantId: input.tenantId, sha256 });
  if (existing) {
    if (from.tempKey) await storage.remove(from.tempKey);
    return existing;
  }
  const now = new Date();
  const key = contentKey(input.tenantId, sha256, now);
  if (from.data) await storage.put(key, from.data, from.data.length, detected.mimeType);
  else await storage.move(from.tempKey!, key);
  const thumbKey = isImage(detected.mimeType) ? await tryThumbnail(ctx, storage, from.data ?? key, key) : null;

  const row: Media = {
    id: newId(), tenantId: input.tenantId, owner: input.owner.slice(0, 100), sha256, size: inspector.size,
    mimeType: detected.mimeType, fileName: displayName(input.fileName, detected.ext), storageKey: key,
    thumbnailKey: thumbKey, status: 'stored', error: null, createdAt: now,
  };
  try {
    await m.insert(MediaEntity, row);
    return row;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // The same bytes were stored at the same moment by another upload: keep theirs, drop ours
    // unless both landed on the same key (same day), which then holds the same bytes anyway.
    const winner = await m.findOneByOrFail(MediaEntity, { tenantId: input.tenantId, sha256 });
    if (winner.storageKey !== key) {
      await storage.remove(key).catch(() => {});
      if (thumbKey) await storage.remove(thumbKey).catch(() => {});
    }
    return winner;
  }
}

/** An attachment the platform would not give us: a row that says so, shown on the message. */
export async function recordUnavailable(ctx: Context, tenantId: string, owner: string, mimeType: string | undefined, fileName: string | undefined, reason: string): Promise<Media> {
  const row: Media = {
    id: newId(), tenantId, owner: owner.slice(0, 100), sha256: null, size: 0,
    mimeType: (mimeType ?? 'application/octet-stream').slice(0, 127), fileName: fileName ? displayName(fileName) : null,
    storageKey: null, thumbnailKey: null, status: 'unavailable', error: reason.slice(0, 1000), createdAt: new Date(),
  };
  await ctx.db.manager.insert(MediaEntity, row);
  return row;
}

/** A picture that cannot be decoded simply has no thumbnail; the upload itself stands. */
async function tryThumbnail(ctx: Context, storage: StorageDriver, source: Buffer | string, key: string): Promise<string | null> {
  const target = thumbnailKey(key);
  try {
    await makeThumbnail(storage, source, target);
    return target;
  } catch (err) {
    ctx.logger.info({ err: (err as Error).message, key }, 'no thumbnail for this image');
    return null;
  }
}
