// The platforms the conformance suite runs over, one case file each (see contract.ts).
// Add a platform: write its case file and add it here.
import type { ConformanceCase } from './contract.js';
import { apiCase } from './api.js';
import { lineCase } from './line.js';
import { twilioSmsCase } from './twilio_sms.js';
import { wechatCase } from './wechat.js';
import { telegramCase } from './telegram.js';
import { whatsappCase } from './whatsapp.js';
import { messengerCase } from './messenger.js';

export type { ChannelUnderTest, ConformanceCase, SignedRequest } from './contract.js';

export const CASES: ConformanceCase<any>[] = [telegramCase, whatsappCase, messengerCase, lineCase, wechatCase, twilioSmsCase, apiCase];
