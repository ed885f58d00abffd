// The gateway: every platform's wire format. Webhooks in, sends out, channel records, and the
// web widget's socket namespace. Nothing outside this folder sees a platform's own shapes.
import type { Context } from '../shared/context.js';
import { deliverOutbound, sendingNow } from './deliver-outbound.js';
import { startPendingSendsSweep } from './requeue-pending-sends.js';
import { startPlatformHttpThread } from './http/platform-http-thread.js';
export { requeuePendingSends } from './requeue-pending-sends.js';

export { webhookRoutes, webhookFastPath } from './webhook-routes.js';
export { mountCustomerNamespace } from './adapters/webchat/customer-namespace.js';
export {
  createChannel, listChannels, getChannel, updateChannel, deleteChannel, channelRuntime,
  createChannelInput, updateChannelInput, type ChannelView,
} from './channels.js';
export { registeredPlatforms } from './registry.js';
export type { Adapter, ChannelRuntime, WebhookRequest } from './adapter.js';
export { fetchPlatformMedia } from './fetch-platform-media.js';
export { listChannelTemplates } from './list-templates.js';
export { authenticateVisitor, widgetAllowedOrigin, type Visitor } from './adapters/webchat/visitor-auth.js';

/**
 * Runs the outbound sender: fresh replies stored in this process are sent from here at once, other
 * sends (retries, bot messages, other processes' replies) by their jobs, and a sweep queues the
 * jobs of messages left pending.
 */
export async function startGateway(ctx: Context): Promise<void> {
  startPlatformHttpThread();
  if (ctx.config.sendsAtOnce > 0) ctx.outbound.sendHere(sendingNow(ctx));
  ctx.jobs.work('gateway-outbound', (data, job, token) => deliverOutbound(ctx, data, job, token), { concurrency: Math.max(ctx.config.workerConcurrency, 50) });
  await startPendingSendsSweep(ctx);
}

import express from 'express';
import path from 'node:path';
import { webDir } from '../shared/http/web-dir.js';
import { notFound } from '../shared/errors.js';
import { findDemoChannelId } from './adapters/webchat/demo-channel.js';

/** The widget's demo page (/widget), the channel it shows (/widget/demo-channel) and the embeddable script (/widget.js). */
export function widgetRoutes(ctx: Context): express.Router {
  const r = express.Router();
  r.get('/widget', (_req, res) => res.sendFile(path.join(webDir(), 'widget.html')));
  r.get('/widget/demo-channel', (_req, res, next) => {
    findDemoChannelId(ctx)
      .then((channelId) => (channelId ? res.json({ channelId }) : next(notFound('The demo web chat channel (tenant "demo")'))))
      .catch(next);
  });
  r.get('/widget.js', (_req, res) => res.sendFile(path.join(webDir(), 'widget.js')));
  r.get('/widget.js.map', (_req, res) => res.sendFile(path.join(webDir(), 'widget.js.map')));
  return r;
}
