// The storage contract, run on every driver: the local folder and S3 (s3rver through the MinIO
// client). Whatever the media server relies on from a store is asserted here once.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { StorageDriver } from '../../media-server/storage/driver.js';
import { LocalDriver } from '../../media-server/storage/local-driver.js';
import { S3Driver } from '../../media-server/storage/s3-driver.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of `total` bytes in small chunks, like an upload arriving, with no declared length. */
function chunked(data: Buffer, chunk = 64 * 1024): Readable {
  return Readable.from((function* () { for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk); })());
}

interface DriverCase { name: string; open(): Promise<{ driver: StorageDriver; close(): Promise<void> }> }

const cases: DriverCase[] = [
  {
    name: 'local folder',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-store-'));
      const driver = new LocalDriver(path.join(dir, 'media'));
      await driver.init();
      return { driver, close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3 (s3rver)',
    async open() {
      const s3: TestS3 = await startS3();
      const driver = new S3Driver({ url: s3.url, bucket: s3.bucket, region: 'us-east-1', accessKey: s3.accessKey, secretKey: s3.secretKey });
      await driver.init();
      return { driver, close: () => s3.stop() };
    },
  },
];

for (const c of cases) {
  describe(`storage contract: ${c.name}`, function () {
    let driver: StorageDriver;
    let close: () => Promise<void>;
    before(async () => { ({ driver, close } = await c.open()); });
    after(async () => { await close(); });

    it('creates what it needs on init, twice without harm, and passes its health check', async () => {
      await driver.init();
      await driver.check();
    });

    it('stores a buffer and gives the same bytes back, with its size', async () => {
      const data = randomBytes(10_000);
      await driver.put('t1/2026/01/02/abc', data, data.length, 'application/pdf');
      expect(await readAll(await driver.get('t1/2026/01/02/abc'))).to.deep.equal(data);
      expect((await driver.stat('t1/2026/01/02/abc'))?.size).to.equal(10_000);
    });

    it('stores a stream of unknown length, small and larger than one multipart part', async () => {
      for (const size of [1, 300_000, 6 * 1024 * 1024 + 123]) {
        const data = randomBytes(size);
        await driver.put(`t1/stream/${size}`, chunked(data), undefined, 'application/octet-stream');
        const back = await readAll(await driver.get(`t1/stream/${size}`));
        expect(back.length).to.equal(size);
        expect(back.equals(data)).to.equal(true);
      }
    });

    it('returns exactly the bytes of a range', async () => {
      const data = randomBytes(5000);
      await driver.put('t1/range', data, data.length, 'audio/ogg');
      expect(await readAll(await driver.get('t1/range', { start: 100, end: 199 }))).to.deep.equal(data.subarray(100, 200));
      expect(await readAll(await driver.get('t1/range', { start: 4990, end: 4999 }))).to.deep.equal(data.subarray(4990));
    });

    it('leaves no object when the stream fails half-way', async () => {
      const failing = new Readable({ read() {} });
      failing.push(randomBytes(1000));
      setTimeout(() => failing.destroy(new Error('client went away')), 20);
      let error: Error | undefined;
      try { await driver.put('t1/broken', failing, undefined, 'image/png'); } catch (err) { error = err as Error; }
      expect(error?.message).to.equal('client went away');
      expect(await driver.stat('t1/broken')).to.equal(null);
    });

    it('fails a put whose stream fails before any byte is read, without throwing at the process', async () => {
      const failing = new Readable({ read() {} });
      const put = driver.put('t1/broken-at-once', failing, undefined, 'image/png').then(() => undefined, (err: Error) => err);
      failing.destroy(new Error('client went away at once'));
      expect((await put)?.message).to.equal('client went away at once');
      expect(await driver.stat('t1/broken-at-once')).to.equal(null);
    });

    it('moves an object to a new key, replacing what was there', async () => {
      await driver.put('tmp/t1/upload-1', Buffer.from('new bytes'), 9, 'text/plain');
      await driver.put('t1/final', Buffer.from('old'), 3, 'text/plain');
      await driver.move('tmp/t1/upload-1', 't1/final');
      expect((await readAll(await driver.get('t1/final'))).toString()).to.equal('new bytes');
      expect(await driver.stat('tmp/t1/upload-1')).to.equal(null);
    });

    it('reports a missing object as null on stat and as a rejection on get; removing it twice is fine', async () => {
      expect(await driver.stat('t1/none')).to.equal(null);
      let rejected = false;
      try { await readAll(await driver.get('t1/none')); } catch { rejected = true; }
      expect(rejected).to.equal(true);
      await driver.put('t1/gone', Buffer.from('x'), 1, 'text/plain');
      await driver.remove('t1/gone');
      await driver.remove('t1/gone');
      expect(await driver.stat('t1/gone')).to.equal(null);
    });

    it('refuses keys that could leave the store or are not ours', async () => {
      const bad = ['../etc/passwd', 't1/../../etc/passwd', '/etc/passwd', 't1//x', 't1/./x', '', 't1/x y', 't1\\..\\x', 't1/%2e%2e/x', '.hidden', 't1/x\u0000'];
      for (const key of bad) {
        let refused = false;
        try { await driver.put(key, Buffer.from('x'), 1, 'text/plain'); } catch (err) { refused = /unsafe object key/.test((err as Error).message); }
        expect(refused, key).to.equal(true);
        refused = false;
        try { await driver.get(key); } catch (err) { refused = /unsafe object key/.test((err as Error).message); }
        expect(refused, key).to.equal(true);
      }
    });
  });
}
