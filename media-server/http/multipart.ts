// Reads the `file` part of a multipart/form-data upload as a stream (busboy), so that a large
// file flows to the store without ever being held whole in memory.
import type { Readable } from 'node:stream';
import type { Request } from 'express';
import busboy from 'busboy';
import { AppError } from '../../shared/errors.js';
import { formatBytes } from '../upload-inspector.js';

export interface UploadedFile { stream: Readable; fileName?: string }

/** Multipart framing and a few small fields on top of the file itself. */
const OVERHEAD_BYTES = 64 * 1024;

/**
 * Runs `handle` on the request's `file` part while it streams in. Whatever happens, the rest of
 * the request body is drained, so that the client reads our answer instead of a reset.
 */
export async function withUploadedFile<T>(req: Request, maxBytes: number, handle: (f: UploadedFile) => Promise<T>): Promise<T> {
  if (!req.is('multipart/form-data')) {
    throw new AppError('unsupported_type', 'Send the file as multipart/form-data, in a field named "file".');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + OVERHEAD_BYTES) {
    req.resume();
    throw new AppError('too_large', `The file is larger than the ${formatBytes(maxBytes)} allowed here.`, { maxBytes });
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes + 1, fields: 20, fieldSize: 10_000, parts: 30 } });
  } catch {
    throw new AppError('bad_request', 'The upload is not valid multipart/form-data (missing boundary).');
  }
  try {
    return await new Promise<T>((resolve, reject) => {
      let started = false;
      parser.on('file', (name, stream, info) => {
        if (name !== 'file' || started) { stream.resume(); return; }
        started = true;
        handle({ stream, fileName: info.filename }).then(resolve, reject);
      });
      parser.on('error', () => reject(new AppError('bad_request', 'The upload is not valid multipart/form-data.')));
      parser.on('close', () => { if (!started) reject(new AppError('bad_request', 'No file: send it in a multipart field named "file".')); });
      req.on('aborted', () => reject(new AppError('bad_request', 'The upload was interrupted.')));
      req.pipe(parser);
    });
  } catch (err) {
    req.unpipe(parser);
    req.resume();
    throw err;
  }
}
