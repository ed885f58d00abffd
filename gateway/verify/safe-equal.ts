// Constant-time comparison of signatures and tokens, so that a forger cannot learn a valid
// signature byte by byte from response times.
import { createHash, timingSafeEqual } from 'node:crypto';

/** True when both strings are equal; takes the same time wherever they differ. */
export function safeEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
