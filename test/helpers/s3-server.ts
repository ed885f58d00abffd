// A real S3 API for tests: s3rver on 127.0.0.1, a free port and a temporary folder. Our code
// talks to it only through the MinIO driver, as it would to MinIO or AWS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export interface TestS3 { url: string; accessKey: string; secretKey: string; bucket: string; stop(): Promise<void> }

export async function startS3(bucket = 'test-media'): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  return {
    url: `http://127.0.0.1:${port}`, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket,
    async stop() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The environment that points an app at this server. */
export function s3Env(s3: TestS3): Record<string, string> {
  return { S3_URL: s3.url, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_BUCKET: s3.bucket };
}
