// Constant-time comparison of signatures and tokens, so that a forger cannot learn a valid
// signature byte by byte from response times.
import { timingSafeEqual } from 'node:crypto';

/**
 * True when both strings are equal; for strings of the same length, takes the same time wherever
 * they differ. A wrong length answers as fast as a right one would be compared, so response times
 * can tell only whether the length is right: our signatures have a fixed, public length (hex or
 * base64 of a digest), and knowing a secret token's length leaves all of its bytes to guess.
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
