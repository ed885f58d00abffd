// Files for media tests, made in the test from the formats' own magic numbers (and real images
// from sharp), so that no binary fixture has to be trusted or kept in the repository.
import { crc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

export async function png(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
}

export async function jpeg(width = 640, height = 480): Promise<Buffer> {
  // Noise, so that every call gives different bytes (and a realistic, barely compressible size).
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

export async function webp(width = 640, height = 480): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).webp({ quality: 90 }).toBuffer();
}

/** A PDF header and `size` bytes in all. */
export function pdf(size = 2000): Buffer {
  return fill(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), size);
}

/** An Ogg page with an Opus head: a WhatsApp or Telegram voice note. */
export function oggOpus(size = 4000): Buffer {
  const page = Buffer.concat([Buffer.from('OggS'), Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 19]), Buffer.from('OpusHead'), Buffer.from([1, 1, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0])]);
  return fill(page, size);
}

/** An ISO media file with the given brand: 'isom' (MP4 video), 'M4A ' (audio), '3gp4', 'qt  '. */
export function isoMedia(brand: string, size = 4000): Buffer {
  const ftyp = Buffer.alloc(32);
  ftyp.writeUInt32BE(32, 0);
  ftyp.write('ftyp', 4);
  ftyp.write(brand, 8);
  ftyp.write(brand, 16);
  return fill(ftyp, size);
}

export function amr(size = 1000): Buffer { return fill(Buffer.from('#!AMR\n'), size); }

export function text(content = 'Order 1234: the parcel never arrived.\nPlease call me back.\n'): Buffer { return Buffer.from(content, 'utf8'); }

/** A Linux executable's header. */
export function elf(size = 3000): Buffer { return fill(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]), size); }

/** A Windows executable's header (MZ ... PE). */
export function exe(size = 3000): Buffer {
  const b = Buffer.alloc(Math.max(size, 256));
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(128, 0x3c);
  b.write('PE\0\0', 128, 'latin1');
  return b;
}

/** A minimal Word document: a zip with the entries that name it. */
export function docx(): Buffer {
  return zip([
    ['[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'],
    ['word/document.xml', '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>'],
  ]);
}

/** A zip archive of stored (uncompressed) entries. */
export function zip(entries: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, body] of entries) {
    const data = Buffer.from(body);
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBuf.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0); dir.writeUInt16LE(20, 4); dir.writeUInt16LE(20, 6); dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(data.length, 20); dir.writeUInt32LE(data.length, 24); dir.writeUInt16LE(nameBuf.length, 28); dir.writeUInt32LE(offset, 42);
    parts.push(local, nameBuf, data);
    central.push(dir, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const centralBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBuf.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralBuf, end]);
}

/** `head` followed by random bytes up to `size` in all. */
function fill(head: Buffer, size: number): Buffer {
  return size <= head.length ? head : Buffer.concat([head, randomBytes(size - head.length)]);
}
