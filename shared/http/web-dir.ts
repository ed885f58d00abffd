// Where the built browser bundles are (scripts/build-web.mjs writes them to dist/web).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function webDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../web'), path.resolve(here, '../../dist/web')];
  return candidates.find((c) => fs.existsSync(path.join(c, 'console.js'))) ?? candidates[1];
}
