// The object store's settings as an operator gives them: credentials in S3_ACCESS_KEY and
// S3_SECRET_KEY or in the URL, checked once; an unreachable store stops start-up in one line.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../shared/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('object store configuration', function () {
  it('takes S3 credentials from S3_ACCESS_KEY/S3_SECRET_KEY or from the URL, and keeps them out of the URL', () => {
    const fromVars = loadConfig({ S3_URL: 'http://minio:9000', S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret' }).storage;
    expect(fromVars).to.deep.include({ kind: 's3', url: 'http://minio:9000', accessKey: 'key', secretKey: 'secret', bucket: 'callcenter-media' });
    const fromUrl = loadConfig({ S3_URL: 'https://k%40y:s%2Fcret@s3.internal:9443' }).storage;
    expect(fromUrl).to.deep.include({ url: 'https://s3.internal:9443', accessKey: 'k@y', secretKey: 's/cret' });
    expect(loadConfig({}).storage.kind).to.equal('local');
  });

  it('refuses an S3 URL without credentials with one sentence saying how to give them', () => {
    expect(() => loadConfig({ S3_URL: 'http://minio:9000' })).to.throw(ConfigError, /S3_URL: give the credentials as S3_ACCESS_KEY and S3_SECRET_KEY/);
    expect(() => loadConfig({ S3_URL: 'http://minio:9000', S3_ACCESS_KEY: 'only-key' })).to.throw(ConfigError, /S3_SECRET_KEY/);
  });

  it('reads the widget limit and the fetch attempts, with defaults', () => {
    const c = loadConfig({ WIDGET_MEDIA_MAX_BYTES: '5000000', MEDIA_FETCH_ATTEMPTS: '4' });
    expect(c.limits.widgetMediaBytes).to.equal(5_000_000);
    expect(c.mediaFetchAttempts).to.equal(4);
    expect(loadConfig({}).limits.widgetMediaBytes).to.equal(10_000_000);
    expect(() => loadConfig({ MEDIA_FETCH_ATTEMPTS: '0' })).to.throw(ConfigError, /MEDIA_FETCH_ATTEMPTS/);
  });

  it('stops start-up with one line naming the store, where, and how to fix it, when S3 is unreachable', async function () {
    this.timeout(30_000);
    const dataDir = `/tmp/cc-${randomUUID()}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', PORT: '0', DATA_DIR: dataDir, REDIS_PREFIX: `cctest-${randomUUID().slice(0, 8)}`, S3_URL: 'http://KEY:SECRET@127.0.0.1:1' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(code).to.equal(1);
    const lines = stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^Cannot start: Cannot use the object store at http:\/\/127\.0\.0\.1:1 \(bucket callcenter-media\): .*Start MinIO\/S3 there, or fix S3_URL, S3_ACCESS_KEY and S3_SECRET_KEY/);
    expect(lines[0]).to.not.contain('SECRET@');
  });
});
