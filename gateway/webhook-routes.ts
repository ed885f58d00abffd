// POST/GET /webhooks/:channelId: verify the platform's signature first, parse, store durably
// (through the switch), and only then answer 2xx (DESIGN.md durability rule 1).
//
// Webhooks are most of the traffic a deployment takes, so a POST is served straight from Node's
// HTTP server (`webhookFastPath`), without Express's router and body parser. Anything out of the
// ordinary (a compressed body, a GET handshake) goes on to the Express route, which does the same.
import type http from 'node:http';
import querystring from 'node:querystring';
import express, { type Request, type Response, type NextFunction } from 'express';
import type { Context } from '../shared/context.js';
import { AppError, bodyTooLarge, notFound } from '../shared/errors.js';
import { receiveInbound } from '../switch/index.js';
import type { WebhookReply, WebhookRequest } from './adapter.js';
import { channelRuntime } from './channels.js';
import { adapterFor } from './registry.js';

export function webhookRoutes(ctx: Context): express.Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: ctx.config.limits.webhookBytes });
  const deadline = (req: Request, res: Response, next: NextFunction) => { bodyDeadline(req, res, ctx.config.limits.webhookBodyMs); next(); };

  const toRequest = (req: Request): WebhookRequest => ({
    method: req.method === 'GET' ? 'GET' : 'POST',
    headers: req.headers,
    query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  });

  router.get('/webhooks/:channelId', async (req, res, next) => {
    try {
      const { rt, handler } = await handlerFor(ctx, req.params.channelId);
      if (!handler.handshake) throw new AppError('bad_request', 'This platform has no verification handshake; it only POSTs.');
      writeReply(res, handler.handshake(toRequest(req), rt));
    } catch (err) { next(err); }
  });

  router.post('/webhooks/:channelId', deadline, raw, async (req: Request, res: Response, next: NextFunction) => {
    try {
      writeReply(res, await receiveWebhook(ctx, String(req.params.channelId), toRequest(req)));
    } catch (err) {
      next(asWebhookError(ctx, err, String(req.params.channelId)));
    }
  });
  return router;
}

/**
 * Serves `POST /webhooks/:channelId` with a plain body straight from the HTTP server; returns
 * false (having touched nothing) for any other request, which then goes to Express.
 */
export function webhookFastPath(ctx: Context): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const limit = ctx.config.limits.webhookBytes;
  return (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/webhooks/')) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') return false; // Express inflates it
    const q = req.url.indexOf('?');
    const channelId = decodeChannelId(req.url.slice('/webhooks/'.length, q < 0 ? undefined : q));
    if (channelId === undefined) return false;
    const query: Record<string, string | undefined> = {};
    if (q >= 0) for (const [k, v] of Object.entries(querystring.parse(req.url.slice(q + 1)))) query[k] = typeof v === 'string' ? v : undefined;

    const fail = (err: unknown) => writeError(res, asWebhookError(ctx, err, channelId));
    // Too large: answered at once, and the connection closed after the answer rather than read to the end.
    const refuseTooLarge = () => { res.setHeader('connection', 'close'); fail(bodyTooLarge()); };
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      refuseTooLarge();
      req.resume();
      return true;
    }
    bodyDeadline(req, res, ctx.config.limits.webhookBodyMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) { over = true; chunks.length = 0; refuseTooLarge(); } else chunks.push(c);
    });
    req.on('end', () => {
      if (over) return;
      const wreq: WebhookRequest = { method: 'POST', headers: req.headers, query, rawBody: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) };
      receiveWebhook(ctx, channelId, wreq).then((reply) => writeReply(res, reply), fail)
        .catch((err) => ctx.logger.warn({ err, channelId }, 'webhook answer not written'));
    });
    req.on('error', () => { /* the platform hung up: nothing to answer; it delivers again */ });
    return true;
  };
}

/**
 * A webhook's body must arrive within `ms` of its headers. Platforms send theirs at once, so a
 * body that trickles in is someone holding a connection and its buffers open: it is answered 408
 * and the connection closed, and nothing of it is read or stored. (Node's own limit for a whole
 * request is 5 minutes, which media uploads need; webhooks do not.)
 */
function bodyDeadline(req: http.IncomingMessage, res: http.ServerResponse, ms: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete || res.headersSent) return;
    res.setHeader('connection', 'close');
    res.once('finish', () => req.destroy());
    writeError(res, new AppError('request_timeout', `The request body did not arrive within ${ms / 1000} s of its headers; send it in one go.`));
  }, ms);
  const done = () => clearTimeout(timer);
  req.once('end', done);
  req.once('close', done);
}

/** The channel id of `/webhooks/<id>` or `/webhooks/<id>/`; undefined for any longer path. */
function decodeChannelId(rest: string): string | undefined {
  const id = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (!id || id.includes('/')) return undefined;
  if (!id.includes('%')) return id; // nothing to decode: the common case, and decoding costs
  try { return decodeURIComponent(id); } catch { return undefined; }
}

async function handlerFor(ctx: Context, channelId: string) {
  const rt = await channelRuntime(ctx, channelId);
  const handler = rt && adapterFor(rt.channel.platform)?.webhook;
  if (!rt || !handler) throw notFound(`Channel ${channelId}`);
  return { rt, handler };
}

/** Verify, parse, store; the platform's answer once every event is durable. Throws AppError on bad input. */
async function receiveWebhook(ctx: Context, channelId: string, wreq: WebhookRequest): Promise<WebhookReply> {
  const { rt, handler } = await handlerFor(ctx, channelId);
  handler.verify(wreq, rt);
  const events = handler.parse(wreq, rt);
  await receiveInbound(ctx, rt.channel, events);
  return handler.reply ? handler.reply(events, rt, wreq) : { status: 200, body: 'ok', contentType: 'text/plain' };
}

/** Bad input stays what it is; anything else means storing failed: 5xx, so that the platform delivers the webhook again. */
function asWebhookError(ctx: Context, err: unknown, channelId: string): AppError {
  if (err instanceof AppError) return err;
  ctx.logger.error({ err, channelId }, 'webhook not stored');
  return new AppError('dependency_down', 'We could not store this webhook; deliver it again later.');
}

/** Written straight to the socket: platforms read the status and a short body, nothing more (no ETag). */
function writeReply(res: http.ServerResponse, r: WebhookReply): void {
  const json = r.body !== undefined && typeof r.body !== 'string';
  const body = r.body === undefined ? '' : json ? JSON.stringify(r.body) : String(r.body);
  const type = r.contentType ?? (json ? 'application/json' : 'text/plain');
  res.writeHead(r.status, {
    'content-type': type.includes('charset') || !/^(text\/|application\/(json|xml))/.test(type) ? type : `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** API.md's error body, as the Express error handler writes it. */
function writeError(res: http.ServerResponse, err: AppError): void {
  if (res.headersSent) return;
  if (err.retryAfterSeconds) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  writeReply(res, { status: err.status, body: err.toJSON(), contentType: 'application/json' });
}
