// POST/GET /webhooks/:channelId: verify the platform's signature first, parse, store durably
// (through the switch), and only then answer 2xx (DESIGN.md durability rule 1).
import express, { type Request, type Response, type NextFunction } from 'express';
import type { Context } from '../shared/context.js';
import { AppError, notFound } from '../shared/errors.js';
import { receiveInbound } from '../switch/index.js';
import type { WebhookReply, WebhookRequest } from './adapter.js';
import { channelRuntime } from './channels.js';
import { adapterFor } from './registry.js';

export function webhookRoutes(ctx: Context): express.Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: ctx.config.limits.webhookBytes });

  const toRequest = (req: Request): WebhookRequest => ({
    method: req.method === 'GET' ? 'GET' : 'POST',
    headers: req.headers,
    query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  });

  const handlerFor = async (channelId: string) => {
    const rt = await channelRuntime(ctx, channelId);
    const handler = rt && adapterFor(rt.channel.platform)?.webhook;
    if (!rt || !handler) throw notFound(`Channel ${channelId}`);
    return { rt, handler };
  };

  router.get('/webhooks/:channelId', async (req, res, next) => {
    try {
      const { rt, handler } = await handlerFor(req.params.channelId);
      if (!handler.handshake) throw new AppError('bad_request', 'This platform has no verification handshake; it only POSTs.');
      send(res, handler.handshake(toRequest(req), rt));
    } catch (err) { next(err); }
  });

  router.post('/webhooks/:channelId', raw, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const { rt, handler } = await handlerFor(String(req.params.channelId));
      const wreq = toRequest(req);
      handler.verify(wreq, rt);
      const events = handler.parse(wreq, rt);
      await receiveInbound(ctx, rt.channel, events);
      send(res, handler.reply ? handler.reply(events, rt, wreq) : { status: 200, body: 'ok', contentType: 'text/plain' });
    } catch (err) {
      if (!(err instanceof AppError)) {
        // Storing failed: 5xx, so that the platform delivers the webhook again.
        ctx.logger.error({ err, channelId: req.params.channelId }, 'webhook not stored');
        next(new AppError('dependency_down', 'We could not store this webhook; deliver it again later.'));
        return;
      }
      next(err);
    }
  });
  return router;
}

/** Written straight to the socket: platforms read the status and a short body, nothing more (no ETag). */
function send(res: Response, r: WebhookReply): void {
  const json = r.body !== undefined && typeof r.body !== 'string';
  const body = r.body === undefined ? '' : json ? JSON.stringify(r.body) : String(r.body);
  const type = r.contentType ?? (json ? 'application/json' : 'text/plain');
  res.writeHead(r.status, {
    'content-type': type.includes('charset') || !/^(text\/|application\/(json|xml))/.test(type) ? type : `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
