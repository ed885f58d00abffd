// WeChat's access_token: fetched from /cgi-bin/token with appId/appSecret, valid two hours, and
// each new one soon retires the last. So it is cached per channel in Redis (sealed: it is a
// credential), and one process at a time fetches it while the others wait for the result.
import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import type { Context } from '../../../shared/context.js';
import type { ChannelRuntime } from '../../adapter.js';
import { sendErrorFrom } from '../../http/platform-http.js';
import { SendError } from '../../send-error.js';
import type { WechatSettings } from './config.js';
import { wechatFailure } from './errors.js';
import type { WechatTokenResult } from './types.js';

const LOCK_MS = 10_000;
const WAIT_STEP_MS = 50;
const EARLY_REFRESH_S = 300; // refresh five minutes before WeChat's expiry

function keys(ctx: Context, ch: ChannelRuntime, s: WechatSettings) {
  // The credentials are part of the key: a channel whose appSecret was changed gets a new token.
  const who = createHash('sha256').update(`${s.appId}:${s.appSecret}`).digest('hex').slice(0, 16);
  return { token: ctx.key('wechat', 'token', ch.channel.id, who), lock: ctx.key('wechat', 'token-lock', ch.channel.id, who) };
}

export async function wechatAccessToken(ctx: Context, ch: ChannelRuntime, s: WechatSettings, http: AxiosInstance): Promise<string> {
  const k = keys(ctx, ch, s);
  const deadline = Date.now() + LOCK_MS;
  while (Date.now() < deadline) {
    const cached = await ctx.redis.get(k.token);
    if (cached) return ctx.secrets.open(cached);
    if (await ctx.redis.set(k.lock, '1', 'PX', LOCK_MS, 'NX')) {
      try {
        const { token, expiresIn } = await fetchToken(s, http);
        await ctx.redis.set(k.token, ctx.secrets.seal(token), 'EX', Math.max(60, expiresIn - EARLY_REFRESH_S));
        return token;
      } finally {
        await ctx.redis.del(k.lock);
      }
    }
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS)); // another process is fetching it
  }
  throw SendError.transient('Timed out waiting for another process to fetch the WeChat access token.');
}

/**
 * Forgets the token WeChat just called expired, unless another process already replaced it.
 * Not atomic, and need not be: at worst a fresh token is fetched twice, and WeChat keeps the
 * previous one valid for five minutes after a refresh.
 */
export async function forgetAccessToken(ctx: Context, ch: ChannelRuntime, s: WechatSettings, used: string): Promise<void> {
  const k = keys(ctx, ch, s);
  const cached = await ctx.redis.get(k.token);
  if (cached && ctx.secrets.open(cached) === used) await ctx.redis.del(k.token);
}

async function fetchToken(s: WechatSettings, http: AxiosInstance): Promise<{ token: string; expiresIn: number }> {
  let data: WechatTokenResult;
  try {
    data = (await http.get<WechatTokenResult>('/cgi-bin/token', { params: { grant_type: 'client_credential', appid: s.appId, secret: s.appSecret } })).data;
  } catch (err) {
    throw sendErrorFrom(err, 'WeChat');
  }
  if (!data?.access_token) throw wechatFailure(data?.errcode ?? -1, data?.errmsg ?? 'no access_token in the answer', 'fetching the access token');
  return { token: data.access_token, expiresIn: Number(data.expires_in) || 7200 };
}
