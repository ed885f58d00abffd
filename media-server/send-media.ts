// Streams a stored file to an HTTP client: the right Content-Type, a safe Content-Disposition,
// single byte ranges (206) so that audio and video players can seek, and ETag revalidation.
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Media } from '../shared/db/entities/index.js';
import { AppError } from '../shared/errors.js';
import type { ByteRange, StorageDriver } from './storage/driver.js';
import { contentDisposition, thumbnailType } from './object-keys.js';
import { isInlineSafe } from './media-types.js';
import type { MediaVariant } from './signed-url.js';

export interface SendOptions { variant: MediaVariant; cacheSeconds: number }

export async function sendMedia(storage: StorageDriver, media: Media, req: Request, res: Response, opts: SendOptions): Promise<void> {
  if (media.status !== 'stored' || !media.storageKey) {
    throw new AppError('not_found', `This attachment is unavailable: ${media.error ?? 'it could not be fetched from the platform'}.`);
  }
  const thumb = opts.variant === 'thumbnail';
  const key = thumb ? media.thumbnailKey : media.storageKey;
  if (!key) throw new AppError('not_found', 'This attachment has no thumbnail.');
  const size = thumb ? (await storage.stat(key))?.size : media.size;
  if (size === undefined) throw new AppError('not_found', 'This attachment is missing from the store.');
  const mimeType = thumb ? thumbnailType(key) : media.mimeType;

  const etag = `"${media.sha256}${thumb ? '-thumb' : ''}"`;
  const range = thumb ? undefined : parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    // 416 is not among the shared error codes: it only ever comes from here.
    res.setHeader('Content-Range', `bytes */${size}`);
    res.status(416).json({ error: { code: 'range_not_satisfiable', message: `The requested range is outside the file (${size} bytes).` } });
    return;
  }
  const notModified = req.headers['if-none-match'] === etag;
  // Opened before any header is set: a store that fails now still gets a plain JSON error.
  const body = notModified || req.method === 'HEAD' ? undefined : await storage.get(key, range);

  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', `private, max-age=${Math.max(0, Math.floor(opts.cacheSeconds))}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Nothing in a file we serve may run: even a file a browser would render gets no scripts.
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', mimeType);
  const inline = isInlineSafe(mimeType) && req.query.download === undefined;
  res.setHeader('Content-Disposition', contentDisposition(inline ? 'inline' : 'attachment', media.fileName ?? media.id));
  if (notModified) {
    res.status(304).end();
    return;
  }
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(size));
  }
  if (!body) {
    res.end(); // HEAD
    return;
  }
  try {
    await pipeline(body, res);
  } catch {
    res.destroy(); // the client went away or the store failed mid-file: nothing more to say
  }
}

/**
 * One range of `bytes=a-b`, `bytes=a-` or `bytes=-n`. Several ranges, or a header we do not
 * understand, get the whole file (RFC 9110 lets a server ignore Range).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
