// Who is calling the widget's HTTP endpoints (uploads): the visitor token of the /customer
// namespace, sent as X-Visitor-Token, and the same origin rule as the socket.
import type { Context } from '../../../shared/context.js';
import { AppError } from '../../../shared/errors.js';
import { channelRuntime } from '../../channels.js';
import { readVisitorToken } from './visitor-token.js';

export interface Visitor { tenantId: string; channelId: string; visitorId: string }

async function webchatChannel(ctx: Context, channelId: string) {
  const rt = await channelRuntime(ctx, channelId);
  if (!rt || rt.channel.platform !== 'webchat') throw new AppError('not_found', 'This chat is not available: the channel id is unknown.');
  return rt;
}

/** The origin to allow in CORS answers for this channel's widget, or null when that site may not embed it. */
export async function widgetAllowedOrigin(ctx: Context, channelId: string, origin: string | undefined): Promise<string | null> {
  const allowed = (await webchatChannel(ctx, channelId)).config.allowedOrigins as string[] | undefined;
  if (!allowed?.length || allowed.includes('*')) return origin ?? '*';
  return origin && allowed.includes(origin) ? origin : null;
}

/** The visitor a token names on this channel; 401 without a valid token, 403 from a site not allowed. */
export async function authenticateVisitor(ctx: Context, channelId: string, token: unknown, origin: string | undefined): Promise<Visitor> {
  const rt = await webchatChannel(ctx, channelId);
  const allowed = rt.config.allowedOrigins as string[] | undefined;
  if (allowed?.length && !allowed.includes('*') && !(origin && allowed.includes(origin))) throw new AppError('forbidden', 'This site may not embed this chat.');
  const visitorId = readVisitorToken(ctx.secrets.derive('visitor-token'), channelId, token);
  if (!visitorId) throw new AppError('unauthenticated', 'Send the visitor token of this chat (from the "session" event) in the X-Visitor-Token header.');
  return { tenantId: rt.channel.tenantId, channelId, visitorId };
}
