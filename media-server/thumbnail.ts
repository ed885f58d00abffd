// Thumbnails for images, so the console shows a conversation's pictures without loading every
// full-size file. sharp ships prebuilt libvips in npm packages: nothing is downloaded from elsewhere.
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import type { StorageDriver } from './storage/driver.js';

const EDGE = 320;
/** Refuse to decode pictures larger than this: a tiny file can claim to be a gigapixel image. */
const MAX_PIXELS = 50_000_000;

/** Writes a JPEG thumbnail (the preview type every platform takes) of an image (its bytes, or its key in the store) to `targetKey`. Throws when the image cannot be read. */
export async function makeThumbnail(storage: StorageDriver, source: Buffer | string, targetKey: string): Promise<void> {
  const options = { limitInputPixels: MAX_PIXELS, failOn: 'error' } as const;
  const resize = (Buffer.isBuffer(source) ? sharp(source, options) : sharp(options))
    .rotate() // honour the camera's orientation before dropping the metadata
    .resize(EDGE, EDGE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' }) // JPEG has no transparency: a white page behind it
    .jpeg({ quality: 75, mozjpeg: true });
  const thumb = Buffer.isBuffer(source)
    ? await resize.toBuffer()
    : (await Promise.all([pipeline(await storage.get(source), resize), resize.toBuffer()]))[1];
  await storage.put(targetKey, thumb, thumb.length, 'image/jpeg');
}
