// Attachments in the object store, and each tenant's own upload limits. The object key is ours
// (tenant/date/sha256), never a user's file name, which is kept for display only.
import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

export type MediaStatus = 'stored' | 'unavailable';

/**
 * One stored file. Unique per (tenant, sha256): the same bytes uploaded twice are one row and
 * one object. An inbound attachment that could not be fetched is a row too ('unavailable',
 * no hash, no key), so that the message shows it as such instead of a silent gap.
 */
export interface Media {
  id: string; tenantId: string;
  owner: string;                 // who brought it: user:<id>, visitor:<channel>:<visitor>, conversation:<id>
  sha256: string | null; size: number; mimeType: string;
  fileName: string | null; storageKey: string | null; thumbnailKey: string | null;
  status: MediaStatus; error: string | null; createdAt: Date;
}

const bigNumber = { type: 'bigint', transformer: { to: (v: unknown) => v, from: (v: unknown) => (v == null ? v : Number(v)) } } as const;

export const MediaEntity = new EntitySchema<Media>({
  name: 'Media', tableName: 'media',
  columns: {
    id: idColumn,
    tenantId: tenantColumn,
    owner: textColumn(100),
    sha256: { ...textColumn(64, true) },
    size: { ...bigNumber },
    mimeType: { ...textColumn(127), name: 'mime_type' },
    fileName: { ...textColumn(255, true), name: 'file_name' },
    storageKey: { ...textColumn(255, true), name: 'storage_key' },
    thumbnailKey: { ...textColumn(255, true), name: 'thumbnail_key' },
    status: textColumn(16),
    error: { type: 'text', nullable: true },
    createdAt: { ...timeColumn(), name: 'created_at' },
  },
});

/** A tenant's own upload limits; absent (or null) means the server-wide default. */
export interface MediaLimit { tenantId: string; maxBytes: number | null; widgetMaxBytes: number | null; updatedAt: Date }

export const MediaLimitEntity = new EntitySchema<MediaLimit>({
  name: 'MediaLimit', tableName: 'media_limits',
  columns: {
    tenantId: { ...refColumn(), primary: true, name: 'tenant_id' },
    maxBytes: { ...bigNumber, nullable: true, name: 'max_bytes' },
    widgetMaxBytes: { ...bigNumber, nullable: true, name: 'widget_max_bytes' },
    updatedAt: { ...timeColumn(), name: 'updated_at' },
  },
});
