// One interface for every object store: the local folder (embedded default) and S3/MinIO.
// Keys are always ours (see object-keys.ts); a driver refuses any other shape.
import type { Readable } from 'node:stream';

export interface StoredObject { size: number; contentType?: string }

/** Inclusive byte range, as in HTTP's Range header. */
export interface ByteRange { start: number; end: number }

export interface StorageDriver {
  readonly kind: 'local' | 's3';
  /** Creates what the store needs (folder, bucket) and proves it is reachable. */
  init(): Promise<void>;
  /** Cheap reachability check for /healthz. */
  check(): Promise<void>;
  /** Writes a whole object (or nothing: a failed stream leaves no partial object). `size` when known. */
  put(key: string, body: Buffer | Readable, size: number | undefined, contentType: string): Promise<void>;
  /** The object's bytes, or one range of them. Rejects when the object does not exist. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<StoredObject | null>;
  /** Renames an object (a finished upload from its temporary key to its content key); replaces the target. */
  move(fromKey: string, toKey: string): Promise<void>;
  /** Removes an object; removing a missing one is not an error. */
  remove(key: string): Promise<void>;
}

/** Keys are ours (tenant/date/hash); anything else is refused before it reaches a driver. */
export function assertSafeKey(key: string): void {
  if (key.length > 250 || !/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/.test(key) || key.split('/').some((p) => p === '.' || p === '..')) {
    throw new Error(`unsafe object key: ${JSON.stringify(key)}`);
  }
}
