// Benchmark: uploads through POST /api/v1/media (multipart parsing, type sniffing, hashing,
// temporary key then move, database row) against a raw putObject of the same bytes to the same
// S3 store (s3rver) in the same run. The ratio is the cost of our checks. `npm run bench:media`.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as Minio from 'minio';
import { startTestApp } from '../test/helpers/test-app.js';
import { s3Env, startS3 } from '../test/helpers/s3-server.js';

interface Case { label: string; bytes: number; count: number }
const CASES: Case[] = [
  { label: '100 KB', bytes: 100 * 1024, count: Number(process.env.BENCH_SMALL_COUNT ?? 300) },
  { label: '5 MB', bytes: 5 * 1024 * 1024, count: Number(process.env.BENCH_LARGE_COUNT ?? 30) },
];
const WARMUP = 5;

interface Figures { mbPerSecond: number; p50Ms: number; p99Ms: number; meanMs: number }

function figures(latenciesMs: number[], bytes: number): Figures {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const totalMs = latenciesMs.reduce((a, b) => a + b, 0);
  return {
    mbPerSecond: (bytes * latenciesMs.length) / (1024 * 1024) / (totalMs / 1000),
    p50Ms: at(0.5), p99Ms: at(0.99), meanMs: totalMs / latenciesMs.length,
  };
}

/** Distinct files of the given size: a PDF header (an allowed type) and random bytes, so no two dedupe. */
function files(n: number, size: number): Buffer[] {
  const head = Buffer.from('%PDF-1.4\n');
  return Array.from({ length: n }, () => Buffer.concat([head, randomBytes(size - head.length)]));
}

async function timeEach(items: Buffer[], run: (b: Buffer, i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (const [i, b] of items.entries()) {
    const t0 = performance.now();
    await run(b, i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const s3 = await startS3('bench-media');
  const app = await startTestApp({ db: 'sqlite', env: { ...s3Env(s3), MEDIA_MAX_BYTES: String(50 * 1024 * 1024) } });
  const client = new Minio.Client({ endPoint: '127.0.0.1', port: Number(new URL(s3.url).port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, pathStyle: true, region: 'us-east-1' });
  const token = await app.login('agent1@demo.local');
  const results: Record<string, unknown>[] = [];
  try {
    const upload = async (b: Buffer, i: number) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(b)], { type: 'application/pdf' }), `file-${i}.pdf`);
      const res = await fetch(`${app.url}/api/v1/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    const put = async (b: Buffer, i: number) => { await client.putObject(s3.bucket, `raw/${i}-${b.length}-${randomBytes(4).toString('hex')}`, b, b.length, { 'Content-Type': 'application/pdf' }); };

    for (const c of CASES) {
      console.log(`${c.label}: ${c.count} uploads, then as many raw putObject calls…`);
      await timeEach(files(WARMUP, c.bytes), upload);
      await timeEach(files(WARMUP, c.bytes), put);
      // Interleaved halves, so that a slow moment of the shared machine hits both sides alike.
      const data = files(c.count, c.bytes);
      const half = Math.ceil(c.count / 2);
      const ours = [...await timeEach(data.slice(0, half), upload)];
      const raw = [...await timeEach(data.slice(0, half), put)];
      raw.push(...await timeEach(data.slice(half), put));
      ours.push(...await timeEach(data.slice(half), upload));
      const o = figures(ours, c.bytes);
      const r = figures(raw, c.bytes);
      results.push({ file: c.label, bytes: c.bytes, count: c.count, upload: o, rawPutObject: r, throughputRatio: o.mbPerSecond / r.mbPerSecond, p99Ratio: o.p99Ms / r.p99Ms });
    }
  } finally {
    console.log('stopping the app and the S3 server…');
    await app.stop();
    await s3.stop();
  }

  const f = (n: number) => n.toFixed(1).padStart(8);
  console.log('\nmedia upload benchmark: POST /api/v1/media vs raw putObject, same bytes, same s3rver store, one at a time\n');
  console.log(`${'file'.padEnd(8)} ${'n'.padStart(4)} | ${'ours MB/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} | ${'raw MB/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} | throughput ratio, p99 ratio`);
  for (const r of results as any[]) {
    console.log(`${r.file.padEnd(8)} ${String(r.count).padStart(4)} | ${f(r.upload.mbPerSecond).padStart(9)} ${f(r.upload.p50Ms)} ${f(r.upload.p99Ms)} | ${f(r.rawPutObject.mbPerSecond).padStart(9)} ${f(r.rawPutObject.p50Ms)} ${f(r.rawPutObject.p99Ms)} | ${r.throughputRatio.toFixed(2)}x, ${r.p99Ratio.toFixed(2)}x`);
  }
  const dir = path.join(import.meta.dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `media-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ benchmark: 'media-upload', at: new Date().toISOString(), node: process.version, store: 's3rver', database: 'sqlite', results }, null, 2));
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
