// Uploads from web chat customers: POST /webchat/:channelId/media with the visitor token in
// X-Visitor-Token, under the tenant's widget limit and a per-visitor rate, callable cross-origin.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Context } from '../../shared/context.js';
import { AppError } from '../../shared/errors.js';
import { authenticateVisitor, widgetAllowedOrigin } from '../../gateway/index.js';
import type { StorageDriver } from '../storage/driver.js';
import { mediaLimits } from '../media-limits.js';
import { storeMedia } from '../store-media.js';
import { DEFAULT_LINK_TTL_SECONDS, signedMediaUrl } from '../signed-url.js';
import { withUploadedFile } from './multipart.js';
import { mediaJson } from './media-routes.js';

/** Anyone can get a visitor token, so uploads per visitor are counted: this many per window. */
const UPLOADS_PER_WINDOW = 30;
const WINDOW_SECONDS = 600;

export function widgetMediaRoutes(ctx: Context, storage: StorageDriver): express.Router {
  const r = express.Router();
  const path = '/webchat/:channelId/media';

  /** Sets the CORS answer for this channel's allowed sites; false when the caller's site is not one. */
  const cors = async (req: Request, res: Response): Promise<boolean> => {
    const allowed = await widgetAllowedOrigin(ctx, String(req.params.channelId), req.headers.origin);
    if (!allowed) return false;
    res.setHeader('Access-Control-Allow-Origin', allowed);
    res.setHeader('Vary', 'Origin');
    return true;
  };

  r.options(path, (req: Request, res: Response, next: NextFunction) => {
    cors(req, res).then((ok) => {
      if (!ok) throw new AppError('forbidden', 'This site may not embed this chat.');
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', 'X-Visitor-Token, Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
    }).catch(next);
  });

  r.post(path, (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const channelId = String(req.params.channelId);
      await cors(req, res);
      const visitor = await authenticateVisitor(ctx, channelId, req.headers['x-visitor-token'], req.headers.origin);
      await countUpload(ctx, channelId, visitor.visitorId);
      const { widgetMaxBytes } = await mediaLimits(ctx, visitor.tenantId);
      const media = await withUploadedFile(req, widgetMaxBytes, (f) => storeMedia(ctx, storage, {
        tenantId: visitor.tenantId, owner: `visitor:${channelId}:${visitor.visitorId}`, body: f.stream, fileName: f.fileName, maxBytes: widgetMaxBytes,
      }));
      ctx.logger.info({ tenantId: visitor.tenantId, channelId, mediaId: media.id, size: media.size }, 'media uploaded by a web chat customer');
      // The customer has no bearer token: the links they get are signed.
      res.status(201).json(mediaJson(media, signedMediaUrl(ctx, media.id), signedMediaUrl(ctx, media.id, DEFAULT_LINK_TTL_SECONDS, 'thumbnail')));
    })().catch(next);
  });
  return r;
}

async function countUpload(ctx: Context, channelId: string, visitorId: string): Promise<void> {
  const key = ctx.key('media', 'widget-uploads', channelId, visitorId);
  const [[, count], [, ttl]] = (await ctx.redis.multi().incr(key).ttl(key).exec()) as [[null, number], [null, number]];
  if (ttl < 0) await ctx.redis.expire(key, WINDOW_SECONDS);
  if (count > UPLOADS_PER_WINDOW) {
    throw new AppError('rate_limited', `Too many files: at most ${UPLOADS_PER_WINDOW} every ${WINDOW_SECONDS / 60} minutes.`, undefined, ttl > 0 ? ttl : WINDOW_SECONDS);
  }
}
