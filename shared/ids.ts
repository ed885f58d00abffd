// Time-ordered, URL-safe ids (UUIDv7 layout) so that ids sort roughly by creation and never collide.
import { randomFillSync } from 'node:crypto';

// Random bytes are drawn 4 KiB at a time: one system call per 256 ids instead of one per id.
const pool = Buffer.alloc(4096);
let used = pool.length;

export function newId(): string {
  if (used + 16 > pool.length) { randomFillSync(pool); used = 0; }
  const b = Buffer.from(pool.subarray(used, used + 16));
  used += 16;
  const ms = Date.now();
  // The first 48 bits are the time in ms, big-endian (an exact integer below 2^53).
  b.writeUIntBE(ms, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
