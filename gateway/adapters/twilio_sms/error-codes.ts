// Twilio error codes we explain to the agent in words, and which of them no retry can fix
// (codes from Twilio's error dictionary; the rest are shown as Twilio's own message).

/** Send-time errors (REST answers) that are about the recipient or the content: retrying cannot help. */
export const PERMANENT_CODES = new Set([21211, 21408, 21602, 21606, 21610, 21612, 21614, 21617, 21635, 21660, 20003, 20404]);

const DESCRIPTIONS: Record<string, string> = {
  21211: 'the recipient\'s number is not a valid phone number',
  21408: 'sending to this region is not enabled on the account',
  21610: 'the recipient has unsubscribed (replied STOP) from this sender',
  21612: 'this sender cannot reach the recipient\'s number',
  21614: 'the recipient\'s number is not a mobile number',
  21617: 'the message is too long',
  30003: 'the recipient\'s handset is unreachable',
  30004: 'the message was blocked by the carrier or the recipient',
  30005: 'the recipient\'s number is unknown or no longer exists',
  30006: 'the recipient\'s number is a landline or unreachable carrier',
  30007: 'the carrier filtered the message as spam',
  30008: 'the carrier could not deliver the message (unknown error)',
};

export function describeTwilioCode(code: string | number | undefined, fallback?: string): string {
  if (code === undefined || code === '') return fallback ?? 'unknown error';
  return `Twilio error ${code}: ${DESCRIPTIONS[String(code)] ?? fallback ?? 'see twilio.com/docs/api/errors'}`;
}
