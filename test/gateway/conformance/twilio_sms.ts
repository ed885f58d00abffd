// Twilio Programmable Messaging in the conformance suite: the fake Messages resource, and form
// webhooks signed over the webhook URL and the sorted fields.
import { createHash } from 'node:crypto';
import { tamperBody, type ConformanceCase } from './contract.js';
import { FakeTwilioServer } from '../../fakes/twilio-server.js';
import { TWILIO_WEBHOOKS, twilioSignature } from '../../fixtures/twilio_sms/signing.js';

const SID = 'AC00000000000000000000000000000c0f';
const AUTH = 'conformance-twilio-token';
const FORM = 'application/x-www-form-urlencoded';

export const twilioSmsCase: ConformanceCase<FakeTwilioServer> = {
  platform: 'twilio_sms',
  startFake: () => new FakeTwilioServer(SID, AUTH).start(),
  config: (fake) => ({ accountSid: SID, authToken: AUTH, fromNumber: '+15550001111', apiBaseUrl: fake.url, timeoutMs: 1000 }),
  secrets: ['authToken'],
  textMessage: (ch, o) => {
    const sid = `SM${createHash('md5').update(o.messageId).digest('hex')}`; // Twilio's SID shape, one per id
    const form = new URLSearchParams({ ...TWILIO_WEBHOOKS.sms, MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, From: o.userId, Body: o.text });
    return { path: ch.path, body: Buffer.from(form.toString()), headers: { 'content-type': FORM, 'x-twilio-signature': twilioSignature(AUTH, ch.webhookUrl, form) } };
  },
  forge: tamperBody,
  signedBytes: (ch, body) => {
    let form = new URLSearchParams();
    try { form = new URLSearchParams(body.toString('utf8')); } catch { /* not a form: URL only */ }
    return { path: ch.path, body, headers: { 'content-type': FORM, 'x-twilio-signature': twilioSignature(AUTH, ch.webhookUrl, form) } };
  },
  userId: (n) => `+1555${String(n).padStart(7, '0')}`,
  sends: (fake) => fake.to('POST', `/2010-04-01/Accounts/${SID}/Messages.json`),
  sentText: (req) => req.form().get('Body') ?? undefined,
  failSendPermanently: (fake, text) => fake.failWhere('POST', `/2010-04-01/Accounts/${SID}/Messages.json`, (r) => r.form().get('Body') === text, { status: 400, body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 } }),
};
