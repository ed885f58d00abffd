// One line per platform adapter. Nothing else in the code base switches on a platform.
import type { Platform } from '../shared/types/message.js';
import type { Adapter } from './adapter.js';
import { webchatAdapter } from './adapters/webchat/index.js';
import { lineAdapter } from './adapters/line/index.js';
import { wechatAdapter } from './adapters/wechat/index.js';
import { twilioSmsAdapter } from './adapters/twilio_sms/index.js';
import { apiAdapter } from './adapters/api/index.js';
import { telegramAdapter } from './adapters/telegram/index.js';
import { whatsappAdapter } from './adapters/whatsapp/index.js';
import { messengerAdapter } from './adapters/messenger/index.js';

const adapters = new Map<Platform, Adapter>([
  ['webchat', webchatAdapter],
  ['telegram', telegramAdapter],
  ['whatsapp', whatsappAdapter],
  ['messenger', messengerAdapter],
  ['line', lineAdapter],
  ['wechat', wechatAdapter],
  ['twilio_sms', twilioSmsAdapter],
  ['api', apiAdapter],
]);

export function adapterFor(platform: Platform): Adapter | undefined { return adapters.get(platform); }
export function registeredPlatforms(): Platform[] { return [...adapters.keys()]; }
