// Our npm registry mirror does not serve every platform build of msgpackr-extract (an optional
// native helper of BullMQ's msgpackr), so `npm install` may leave them out of package-lock.json,
// and `npm ci` then refuses the lock file ("Missing: ... from lock file"). This puts the entries
// back as npm writes them for packages of another OS/CPU: npm ci skips them without fetching.
// Run it after `npm install` when CI says a @msgpackr-extract package is missing.
import fs from 'node:fs';

const VERSION = '3.0.7';
const PLATFORMS = { 'darwin-arm64': ['darwin', 'arm64'], 'darwin-x64': ['darwin', 'x64'], 'linux-arm': ['linux', 'arm'], 'linux-arm64': ['linux', 'arm64'], 'linux-x64': ['linux', 'x64'], 'win32-x64': ['win32', 'x64'] };

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
let added = 0;
for (const [name, [os, cpu]] of Object.entries(PLATFORMS)) {
  const key = `node_modules/@msgpackr-extract/msgpackr-extract-${name}`;
  if (!lock.packages[key]) { lock.packages[key] = { version: VERSION, cpu: [cpu], license: 'MIT', optional: true, os: [os] }; added++; }
}
const keys = Object.keys(lock.packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0));
lock.packages = Object.fromEntries(keys.map((k) => [k, lock.packages[k]]));
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(added ? `added ${added} optional platform entries to package-lock.json` : 'package-lock.json already complete');
