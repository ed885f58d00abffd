// A pass-through stream that checks an upload while it flows to the store: counts bytes against
// the limit (413), holds back the first bytes until their type is judged (415), and hashes all.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../shared/errors.js';
import { SNIFF_BYTES, describeType, detectAllowedType, type DetectedType } from './media-types.js';

export class UploadInspector extends Transform {
  size = 0;
  detected?: DetectedType;
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headLength = 0;
  private digest?: string;

  constructor(private readonly maxBytes: number) { super(); }

  /** The hex SHA-256 of everything that passed; only once the stream has finished. */
  get sha256(): string {
    if (!this.digest) throw new Error('the upload has not finished');
    return this.digest;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new AppError('too_large', `The file is larger than the ${formatBytes(this.maxBytes)} allowed here.`, { maxBytes: this.maxBytes }));
      return;
    }
    this.hash.update(chunk);
    if (this.detected) {
      done(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) {
      done();
      return;
    }
    this.judge().then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    if (this.size === 0) {
      done(new AppError('bad_request', 'The file is empty.'));
      return;
    }
    const finish = () => {
      this.digest = this.hash.digest('hex');
      done();
    };
    if (this.detected) finish();
    else this.judge().then(finish, done);
  }

  /** Decides the type from the held-back bytes and lets them through, or fails the stream with 415. */
  private async judge(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    const detected = await detectAllowedType(head);
    if (!detected) {
      throw new AppError('unsupported_type', `This kind of file is not accepted (its content is ${await describeType(head)}). Send images, audio, video, PDF, office documents or plain text.`);
    }
    this.detected = detected;
    this.push(head);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1_000_000) return `${Math.round(n / 100_000) / 10} MB`;
  if (n >= 1000) return `${Math.round(n / 100) / 10} KB`;
  return `${n} bytes`;
}
