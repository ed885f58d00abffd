// WeChat Official Accounts as a platform adapter: echostr handshake, signed XML pushes (plain or
// safe mode) answered "success" at once, customer service messages out, media/get for attachments.
import type { Adapter } from '../../adapter.js';
import { WECHAT_SECRET_KEYS, wechatConfig } from './config.js';
import { parseWechat, replyWechat, verifyWechat, wechatHandshake } from './inbound.js';
import { fetchWechatMedia } from './media.js';
import { sendWechat } from './outbound.js';

export const wechatAdapter: Adapter = {
  platform: 'wechat',
  configSchema: wechatConfig,
  secretKeys: WECHAT_SECRET_KEYS,
  webhook: { handshake: wechatHandshake, verify: verifyWechat, parse: parseWechat, reply: replyWechat },
  send: sendWechat,
  fetchMedia: fetchWechatMedia,
};
