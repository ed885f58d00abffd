// A source stream's failure while a driver works on it, before or between its own reads: with no
// listener at that moment, the stream's error would be thrown at the whole process.
import type { Readable } from 'node:stream';

/** Runs `work` with the stream's errors caught; throws the stream's failure first, else the work's. */
export async function failingWith<T>(stream: Readable, work: () => Promise<T>): Promise<T> {
  let failure: unknown;
  const remember = (err: unknown) => { failure ??= err; };
  stream.on('error', remember);
  let result: T | undefined;
  try {
    result = await work();
  } catch (err) {
    remember(err);
  } finally {
    stream.off('error', remember);
  }
  if (failure !== undefined) throw failure;
  return result as T;
}
