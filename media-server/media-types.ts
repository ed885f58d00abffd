// Which files we accept, judged by their bytes (magic numbers), never by the name or the type a
// client claims: a renamed executable is still an executable.
import { fileTypeFromBuffer } from 'file-type';
import type { MessageType } from '../shared/types/message.js';

/** Bytes we read before deciding: enough for file-type's checks and an office file's first zip entries. */
export const SNIFF_BYTES = 64 * 1024;

/** Allowed types, by the canonical MIME type we store, with the extension a download gets. */
const ALLOWED: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp',
  'audio/ogg': 'ogg', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/aac': 'aac', 'audio/amr': 'amr',
  'video/mp4': 'mp4', 'video/3gpp': '3gp', 'video/quicktime': 'mov',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'text/plain': 'txt',
};

/** file-type's names for the same formats. */
const ALIASES: Record<string, string> = {
  'audio/x-m4a': 'audio/mp4', 'audio/opus': 'audio/ogg', 'audio/x-aac': 'audio/aac', 'audio/mp3': 'audio/mpeg',
  'video/x-m4v': 'video/mp4', 'audio/3gpp': 'video/3gpp',
};

export interface DetectedType { mimeType: string; ext: string }

/**
 * The file's type from its first bytes, or undefined when it is not on the allow-list.
 * Text has no magic number: it is accepted when the sample is UTF-8 without control bytes.
 */
export async function detectAllowedType(head: Buffer): Promise<DetectedType | undefined> {
  const found = await fileTypeFromBuffer(head);
  if (found) {
    const base = found.mime.split(';')[0].trim();
    const mimeType = ALIASES[base] ?? base;
    return ALLOWED[mimeType] ? { mimeType, ext: ALLOWED[mimeType] } : undefined;
  }
  return looksLikeText(head) ? { mimeType: 'text/plain', ext: 'txt' } : undefined;
}

/** A name for what file-type found, for the 415 message ("application/x-elf"), or "unknown". */
export async function describeType(head: Buffer): Promise<string> {
  return (await fileTypeFromBuffer(head))?.mime ?? 'an unrecognised binary format';
}

function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return false;
  // The sample may end inside a multi-byte character: ignore up to 3 trailing bytes.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const bad = text.slice(0, -3).includes('\uFFFD');
  // eslint-disable-next-line no-control-regex
  return !bad && !/[\x00-\x08\x0E-\x1F\x7F]/.test(text);
}

export function isImage(mimeType: string): boolean { return mimeType.startsWith('image/'); }

/** The message type an attachment makes. */
export function messageTypeFor(mimeType: string): MessageType {
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('audio/')) return 'audio';
  if (mimeType.startsWith('video/')) return 'video';
  return 'file';
}

/** Shown in the browser (inline) or saved (attachment): only types a browser renders without running anything. */
export function isInlineSafe(mimeType: string): boolean {
  return /^(image|audio|video)\//.test(mimeType);
}
