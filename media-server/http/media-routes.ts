// /api/v1/media for agents, supervisors and admins (bearer token), and /media/signed/:id for
// anyone holding a signed link. Routes only parse, call the use case and answer (STYLE.md 5).
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Principal } from '../../shared/auth/tokens.js';
import { requireRole } from '../../shared/auth/tokens.js';
import type { Context } from '../../shared/context.js';
import { MediaEntity, type Media } from '../../shared/db/entities/index.js';
import { notFound } from '../../shared/errors.js';
import { parseInput } from '../../shared/http/validate.js';
import type { StorageDriver } from '../storage/driver.js';
import { mediaLimits, mediaLimitsInput, setMediaLimits } from '../media-limits.js';
import { storeMedia } from '../store-media.js';
import { sendMedia } from '../send-media.js';
import { signedMediaUrl, verifySignedLink } from '../signed-url.js';
import { withUploadedFile } from './multipart.js';

type Handler = (req: Request, res: Response) => Promise<unknown>;
const h = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).then((body) => { if (!res.headersSent && body !== undefined) res.json(body); }).catch(next);
};

/** Links the console puts in <img>/<audio> tags, which cannot send a bearer token. */
const CONSOLE_LINK_TTL_SECONDS = 300;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The JSON of API.md: {id, mimeType, size, url}, plus the display name and thumbnail when there is one. */
export function mediaJson(m: Media, url = `/api/v1/media/${m.id}`, thumbnailUrl = `/api/v1/media/${m.id}/thumbnail`) {
  return { id: m.id, mimeType: m.mimeType, size: m.size, url, fileName: m.fileName, ...(m.thumbnailKey ? { thumbnailUrl } : {}) };
}

/** A stored file of this tenant, or 404 (also for another tenant's, which must look the same). */
export async function findMedia(ctx: Context, tenantId: string | null, id: string): Promise<Media> {
  const m = ID.test(id) ? await ctx.db.manager.findOneBy(MediaEntity, tenantId ? { id, tenantId } : { id }) : null;
  if (!m) throw notFound(`Attachment ${id}`);
  return m;
}

export function mediaRoutes(ctx: Context, storage: StorageDriver): express.Router {
  const r = express.Router();
  const principal = (req: Request): Principal => {
    const auth = req.headers.authorization;
    return ctx.tokens.verify(auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined);
  };

  r.post('/api/v1/media', h(async (req, res) => {
    const p = principal(req);
    const { maxBytes } = await mediaLimits(ctx, p.tenantId);
    const media = await withUploadedFile(req, maxBytes, (f) => storeMedia(ctx, storage, {
      tenantId: p.tenantId, owner: `user:${p.userId}`, body: f.stream, fileName: f.fileName, maxBytes,
    }));
    ctx.logger.info({ tenantId: p.tenantId, mediaId: media.id, size: media.size, mimeType: media.mimeType }, 'media uploaded');
    res.status(201);
    return mediaJson(media);
  }));

  r.get('/api/v1/media-limits', h(async (req) => mediaLimits(ctx, principal(req).tenantId)));
  r.put('/api/v1/media-limits', express.json({ limit: '10kb' }), h(async (req) => {
    const p = principal(req);
    requireRole(p, 'admin');
    return setMediaLimits(ctx, p.tenantId, parseInput(mediaLimitsInput, req.body, 'media limits'));
  }));

  r.get('/api/v1/media/:id', h(async (req, res) => {
    const m = await findMedia(ctx, principal(req).tenantId, String(req.params.id));
    await sendMedia(storage, m, req, res, { variant: 'original', cacheSeconds: 3600 });
  }));
  r.get('/api/v1/media/:id/thumbnail', h(async (req, res) => {
    const m = await findMedia(ctx, principal(req).tenantId, String(req.params.id));
    await sendMedia(storage, m, req, res, { variant: 'thumbnail', cacheSeconds: 3600 });
  }));
  r.get('/api/v1/media/:id/link', h(async (req) => {
    const m = await findMedia(ctx, principal(req).tenantId, String(req.params.id));
    const expiresAt = new Date(Date.now() + CONSOLE_LINK_TTL_SECONDS * 1000).toISOString();
    return {
      url: signedMediaUrl(ctx, m.id, CONSOLE_LINK_TTL_SECONDS),
      ...(m.thumbnailKey ? { thumbnailUrl: signedMediaUrl(ctx, m.id, CONSOLE_LINK_TTL_SECONDS, 'thumbnail') } : {}),
      expiresAt,
    };
  }));

  r.get('/media/signed/:id', h(async (req, res) => {
    const id = String(req.params.id);
    const link = verifySignedLink(ctx, id, req.query as Record<string, unknown>);
    const m = await findMedia(ctx, null, id);
    await sendMedia(storage, m, req, res, { variant: link.variant, cacheSeconds: link.expiresAt - Date.now() / 1000 });
  }));
  return r;
}
