// Where the gateway benchmarks write their JSON results (bench/results/<name>-<time>.json).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function writeResult(name: string, result: Record<string, unknown>): string {
  const dir = path.join(import.meta.dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({
    benchmark: name, at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...result,
  }, null, 2));
  return file;
}
