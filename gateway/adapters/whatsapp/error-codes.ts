// Cloud API error codes (Meta's "Error codes" page): which ones waiting can fix, which ones no
// retry can, and one wording of an error for the agent, whether it came from the send call or
// later in a failed status. Meta asks to decide on `code`, not on the HTTP status or the title.

/** Throttling and service errors: the same request can succeed later. */
export const TRANSIENT_CODES = new Set([
  1, 2, 4, 17, 32, 613, // Graph: unknown/possible server error, service down, app and user call limits
  80007, 130429, 131048, 131056, 133016, // WABA rate limit, throughput, spam rate limit, pair rate limit, (de)registration limit
  131000, 131016, 131057, 133004, // something went wrong, service unavailable, account in maintenance, server unavailable
]);

/**
 * Refusals about the token, the account, the recipient or the request: retrying cannot help,
 * even when Meta answers them with a 5xx (code 3 and 131045 come as 500).
 */
export const PERMANENT_CODES = new Set([
  0, 3, 10, 33, 100, 190, 368, // token, permissions, deleted number, invalid parameter, policy block
  130472, 130497, 131005, 131008, 131009, 131021, 131026, 131030, 131031, 131037, 131042, 131045,
  131047, 131049, 131050, 131051, 131052, 131053, 135000,
]);

/** What a code means to an agent, for errors that come without Meta's details. */
const DESCRIPTIONS: Record<number, string> = {
  190: 'the channel\'s access token has expired or was revoked',
  131026: 'the message could not be delivered (the number may not be on WhatsApp, or has not accepted the latest terms)',
  131030: 'the recipient is not in the allowed list of this test number',
  131047: 'more than 24 hours have passed since the customer last wrote; only a template message can reach them now',
  131049: 'Meta chose not to deliver this message to keep engagement healthy',
  131051: 'WhatsApp does not support this message type',
  131052: 'WhatsApp could not download the attachment',
  131053: 'WhatsApp could not process the attachment',
};

export interface WhatsappErrorParts { code?: number; title?: string; message?: string; details?: string }

/** "(#131047) Re-engagement message: Message failed to send because more than 24 hours have passed…". */
export function describeWhatsappError(e: WhatsappErrorParts): string {
  // Graph messages often carry the code already ("(#130429) Rate limit hit"); it is said once.
  const title = (e.title ?? e.message ?? '').replace(/^\(#\d+\)\s*/, '');
  const details = e.details && e.details !== title ? e.details : (e.code !== undefined ? DESCRIPTIONS[e.code] : undefined);
  const head = [e.code !== undefined ? `(#${e.code})` : '', title].filter(Boolean).join(' ');
  return [head, details].filter(Boolean).join(': ') || 'unknown error';
}

/** True or false when the code decides; undefined leaves it to the HTTP status. */
export function isPermanentCode(code: number | undefined): boolean | undefined {
  if (code === undefined) return undefined;
  if (TRANSIENT_CODES.has(code)) return false;
  if (PERMANENT_CODES.has(code) || (code >= 200 && code <= 299) || (code >= 132000 && code < 133000)) return true; // permissions, templates
  return undefined;
}
