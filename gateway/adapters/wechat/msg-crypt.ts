// WeChat's "safe mode" message crypto (AES-256-CBC keyed by the channel's encodingAESKey, and
// msg_signature over the ciphertext), written from the platform's technical plan.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/errors.js';
import { safeEqual } from '../../verify/safe-equal.js';

const BLOCK = 32; // WeChat pads PKCS#7 to the key size (32), not to AES's 16-byte block

/** sha1 of the sorted parts joined: the scheme of both `signature` and `msg_signature`. */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

export function checkWechatSignature(expected: string | undefined, ...parts: string[]): boolean {
  return typeof expected === 'string' && safeEqual(expected.toLowerCase(), wechatSignature(...parts));
}

function aesKey(encodingAESKey: string): Buffer {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (key.length !== 32) throw new AppError('internal', 'The channel\'s encodingAESKey does not decode to 32 bytes.');
  return key;
}

/** Decrypts an <Encrypt> value; throws bad_signature unless it decrypts to a message for our appId. */
export function decryptWechat(encodingAESKey: string, appId: string, encrypted: string): string {
  const key = aesKey(encodingAESKey);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  } catch {
    throw new AppError('bad_signature', 'The encrypted WeChat message could not be decrypted with this channel\'s encodingAESKey.');
  }
  const pad = plain.length ? plain[plain.length - 1] : 0;
  if (pad < 1 || pad > BLOCK || plain.length < 20 + pad) throw new AppError('bad_signature', 'The encrypted WeChat message has bad padding.');
  const body = plain.subarray(0, plain.length - pad);
  const len = body.readUInt32BE(16);
  if (20 + len > body.length) throw new AppError('bad_signature', 'The encrypted WeChat message has a bad length.');
  const from = body.subarray(20 + len).toString('utf8');
  // The trailing appId binds the ciphertext to our account: another account's message is forged here.
  if (!safeEqual(from, appId)) throw new AppError('bad_signature', 'The encrypted WeChat message is for another appId.');
  return body.subarray(20, 20 + len).toString('utf8');
}

/** Encrypts as WeChat does: random(16) + length(4, big-endian) + message + appId, padded to 32. */
export function encryptWechat(encodingAESKey: string, appId: string, message: string): string {
  const key = aesKey(encodingAESKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const raw = Buffer.concat([randomBytes(16), len, msg, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (raw.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([raw, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}
