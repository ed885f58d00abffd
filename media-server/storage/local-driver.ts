// The embedded object store: a folder on local disk. Keys map to paths below the root and can
// never escape it.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { assertSafeKey, type StorageDriver, type StoredObject } from './driver.js';
import { failingWith } from './stream-failure.js';

export class LocalDriver implements StorageDriver {
  readonly kind = 'local' as const;
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    assertSafeKey(key);
    const p = path.resolve(this.root, key);
    if (!p.startsWith(path.resolve(this.root) + path.sep)) throw new Error('object key escapes the store');
    return p;
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.root, { recursive: true });
    await this.check();
  }

  async check(): Promise<void> {
    await fsp.access(this.root, fs.constants.W_OK);
  }

  async put(key: string, body: Buffer | Readable, _size: number | undefined, _contentType: string): Promise<void> {
    const target = this.pathOf(key);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    // A source that fails while the folder is made (the client went away) fails this put.
    await failingWith(source, () => fsp.mkdir(path.dirname(target), { recursive: true }));
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await pipeline(source, fs.createWriteStream(tmp, { flags: 'wx' }));
      await fsp.rename(tmp, target); // whole object or nothing
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const file = this.pathOf(key);
    await fsp.access(file); // a missing object rejects here, not later as a stream error
    return fs.createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const s = await fsp.stat(this.pathOf(key));
      return { size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const target = this.pathOf(toKey);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.rename(this.pathOf(fromKey), target); // atomic on one file system: readers see old or new, never half
  }

  async remove(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }
}
