// Opens the configured object store and proves it works before the process serves anything:
// a store that cannot be reached stops start-up with one line saying where and what to fix.
import type { Config } from '../../shared/config.js';
import type { StorageDriver } from './driver.js';
import { LocalDriver } from './local-driver.js';
import { S3Driver } from './s3-driver.js';

const S3_TIMEOUT_MS = 5000;

export async function openStorage(config: Config): Promise<StorageDriver> {
  const s = config.storage;
  if (s.kind === 's3') {
    const driver = new S3Driver(s);
    try {
      await withTimeout(driver.init(), S3_TIMEOUT_MS);
    } catch (err) {
      throw new Error(`Cannot use the object store at ${s.url} (bucket ${s.bucket}): ${describe(err)}. Start MinIO/S3 there, or fix S3_URL, S3_ACCESS_KEY and S3_SECRET_KEY (unset S3_URL to keep media in a local folder).`);
    }
    return driver;
  }
  const driver = new LocalDriver(s.dir);
  try {
    await driver.init();
  } catch (err) {
    throw new Error(`Cannot use the media folder ${s.dir}: ${describe(err)}. Make it writable or set DATA_DIR.`);
  }
  return driver;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(' ') || String(err);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
