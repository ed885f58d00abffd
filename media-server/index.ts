// The media server: attachments in an object store (local folder by default, S3/MinIO in
// production): uploads, downloads, signed links, and fetching platforms' attachments.
import type { Context } from '../shared/context.js';
import type { StorageDriver } from './storage/driver.js';
import { fetchInboundMedia } from './fetch-inbound-media.js';

export type { StorageDriver } from './storage/driver.js';
export { openStorage } from './storage/open-storage.js';
export { mediaRoutes } from './http/media-routes.js';
export { widgetMediaRoutes } from './http/widget-media-routes.js';
export { signedMediaUrl, DEFAULT_LINK_TTL_SECONDS } from './signed-url.js';
export { attachmentFor, customerMessageView, withSignedMediaUrls, scheduleMediaFetch, needsFetch } from './attachments.js';
export { storeMedia } from './store-media.js';
export { messageTypeFor } from './media-types.js';

/** Fetches at once per process: each holds a platform connection and up to one S3 part in memory. */
const FETCH_CONCURRENCY = 8;

/** Runs the media server's worker: inbound platform attachments into the store. */
export function startMediaServer(ctx: Context, storage: StorageDriver): void {
  ctx.jobs.work('media-fetch', (data, job) => fetchInboundMedia(ctx, storage, data.messageId, job), { concurrency: FETCH_CONCURRENCY });
}
