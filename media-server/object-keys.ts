// Object keys and display names. Keys are built only from ids, dates and hashes we made, so no
// user's text ever reaches a path; the user's file name is cleaned and kept for display only.
import { randomBytes } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

function checkId(what: string, v: string): string {
  if (!SAFE_ID.test(v)) throw new Error(`${what} is not an id: ${JSON.stringify(v)}`);
  return v;
}

/** tenant/yyyy/mm/dd/sha256: the same bytes of one tenant land on one key. */
export function contentKey(tenantId: string, sha256: string, at = new Date()): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
  const d = at.toISOString();
  return `${checkId('tenant', tenantId)}/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${sha256}`;
}

export function thumbnailKey(key: string): string { return `${key}-thumb.jpg`; }

/** A thumbnail's type, from its key: JPEG now (LINE and others want JPEG previews), WebP for those made before. */
export function thumbnailType(thumbnailKey: string): string { return thumbnailKey.endsWith('.jpg') ? 'image/jpeg' : 'image/webp'; }

/** Where an upload is written while it is checked and hashed, before its content key is known. */
export function temporaryKey(tenantId: string): string {
  return `tmp/${checkId('tenant', tenantId)}/${Date.now()}-${randomBytes(8).toString('hex')}`;
}

/**
 * A display name: no folders (either slash), no control or quote characters, at most 150
 * characters, and the extension of the type we detected (a ".jpg" that is a PNG becomes ".png").
 * Without a detected type the name keeps its own extension.
 */
export function displayName(raw: string | undefined, ext?: string): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const name = base.normalize('NFC').replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '').replace(/^[.\s]+/, '').trim();
  if (!ext) return name.slice(0, 150) || 'file';
  const dot = name.lastIndexOf('.');
  const stem = (dot > 0 ? name.slice(0, dot) : name).slice(0, 140).trim();
  return stem ? `${stem}.${ext}` : `file.${ext}`;
}

/** Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._ -]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
