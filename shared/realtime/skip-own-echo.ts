// The Redis adapter publishes every broadcast for the other processes, and this process, which
// subscribes to the same channels, gets its own copy back. The adapter decodes that copy whole,
// then drops it because it sent it. This parser recognises the copy by its first bytes (the
// adapter's id, first in what it publishes) and hands the adapter only that id, so dropping it
// costs a byte comparison. Everything else is MessagePack, as the adapter's own default parser.
import { decode, encode } from 'notepack.io';

/** MessagePack, except that a broadcast starting with the adapter's own id decodes to `[id]`, which the adapter ignores. */
export class OwnEchoParser {
  private uid = '';
  private prefix: Buffer | null = null;

  /** The adapter's id: a published broadcast is the array [id, packet, options]. */
  own(uid: string): void {
    this.uid = uid;
    this.prefix = Buffer.concat([Buffer.from([0x93]), encode(uid)]); // a 3-element array, then the id string
  }

  encode(msg: unknown): Buffer { return encode(msg); }

  decode(msg: Buffer): unknown {
    const p = this.prefix;
    if (p && Buffer.isBuffer(msg) && msg.length > p.length && p.compare(msg, 0, p.length) === 0) return [this.uid];
    return decode(msg);
  }
}
