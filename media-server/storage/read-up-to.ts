// Reads the first bytes of a stream without consuming the rest: for the S3 driver's parts and
// for small uploads, which are stored in one write once their hash is known.
import type { Readable } from 'node:stream';

/** Reads until `limit` bytes or the end of the stream, whichever comes first; the stream stays paused. */
export function readUpTo(src: Readable, limit: number): Promise<{ data: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    if (src.errored) { reject(src.errored); return; }
    if (src.readableEnded) { resolve({ data: Buffer.alloc(0), ended: true }); return; }
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      src.off('readable', onReadable);
      src.off('end', onEnd);
      src.off('error', onError);
      src.off('close', onClose);
    };
    const finish = (ended: boolean) => { cleanup(); resolve({ data: Buffer.concat(chunks), ended }); };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (length < limit && (chunk = src.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
      }
      if (length >= limit) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => { cleanup(); reject(err); };
    const onClose = () => { if (!src.readableEnded) onError(src.errored ?? new Error('the upload stream closed before its end')); };
    src.on('readable', onReadable);
    src.once('end', onEnd);
    src.once('error', onError);
    src.once('close', onClose);
  });
}
