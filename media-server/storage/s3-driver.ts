// The production object store: MinIO or any S3, through the `minio` client, path-style (MinIO's
// default addressing). The bucket is created when missing, so a fresh MinIO needs no setup.
import type { Readable } from 'node:stream';
import * as Minio from 'minio';
import { assertSafeKey, type ByteRange, type StorageDriver, type StoredObject } from './driver.js';
import { readUpTo } from './read-up-to.js';
import { failingWith } from './stream-failure.js';

export interface S3Settings { url: string; bucket: string; region: string; accessKey: string; secretKey: string }

/** Parts of a multipart upload: S3's minimum, so that one upload holds about this much in memory. */
export const PART_BYTES = 5 * 1024 * 1024;

export class S3Driver implements StorageDriver {
  readonly kind = 's3' as const;
  private readonly client: Minio.Client;
  private readonly bucket: string;
  private readonly region: string;

  constructor(s: S3Settings) {
    const u = new URL(s.url);
    const useSSL = u.protocol === 'https:';
    this.client = new Minio.Client({
      endPoint: u.hostname, port: Number(u.port || (useSSL ? 443 : 80)), useSSL,
      accessKey: s.accessKey, secretKey: s.secretKey, region: s.region, pathStyle: true, partSize: PART_BYTES,
    });
    this.bucket = s.bucket;
    this.region = s.region;
  }

  async init(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      try {
        await this.client.makeBucket(this.bucket, this.region);
      } catch (err) {
        // Another process created it between our check and our create: that is what we wanted.
        if (!(await this.client.bucketExists(this.bucket))) throw err;
      }
    }
  }

  async check(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) throw new Error(`bucket ${this.bucket} is missing`);
  }

  async put(key: string, body: Buffer | Readable, _size: number | undefined, contentType: string): Promise<void> {
    assertSafeKey(key);
    const meta = { 'Content-Type': contentType };
    if (Buffer.isBuffer(body)) {
      await this.client.putObject(this.bucket, key, body, body.length, meta);
      return;
    }
    // Our own part loop rather than the client's stream upload: that one looks for an earlier
    // upload of the key to resume (an extra listing we never need, for keys that are unique)
    // and does not notice when its source stream fails.
    try {
      await failingWith(body, () => this.upload(key, body, meta));
    } catch (err) {
      await this.remove(key).catch(() => {});
      throw err;
    }
  }

  /** One PUT for a small object; a multipart upload in PART_BYTES parts for a larger one. */
  private async upload(key: string, body: Readable, meta: Record<string, string>): Promise<void> {
    let part = await readUpTo(body, PART_BYTES);
    if (part.ended) {
      await this.client.putObject(this.bucket, key, part.data, part.data.length, meta);
      return;
    }
    const uploadID = await this.client.initiateNewMultipartUpload(this.bucket, key, meta);
    try {
      const etags: { part: number; etag: string }[] = [];
      for (let partNumber = 1; part.data.length > 0; partNumber++) {
        const { etag } = await this.client.uploadPart({ bucketName: this.bucket, objectName: key, uploadID, partNumber, headers: { 'Content-Length': part.data.length } }, part.data);
        etags.push({ part: partNumber, etag });
        if (part.ended) break;
        part = await readUpTo(body, PART_BYTES);
      }
      await this.client.completeMultipartUpload(this.bucket, key, uploadID, etags);
    } catch (err) {
      await this.client.abortMultipartUpload(this.bucket, key, uploadID).catch(() => {}); // or the store's lifecycle rule cleans it
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range) return this.client.getPartialObject(this.bucket, key, range.start, range.end - range.start + 1);
    return this.client.getObject(this.bucket, key);
  }

  async stat(key: string): Promise<StoredObject | null> {
    assertSafeKey(key);
    try {
      const s = await this.client.statObject(this.bucket, key);
      return { size: s.size, contentType: s.metaData?.['content-type'] };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    assertSafeKey(fromKey);
    assertSafeKey(toKey);
    // S3 has no rename: a server-side copy (no bytes through us), then the old key goes.
    await this.client.copyObject(this.bucket, toKey, `/${this.bucket}/${fromKey}`, new Minio.CopyConditions());
    await this.client.removeObject(this.bucket, fromKey);
  }

  async remove(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey';
}
