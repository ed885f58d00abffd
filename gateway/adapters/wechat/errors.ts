// What WeChat's errcodes mean for a send: retry, refresh the token, or stop and tell the agent.
// WeChat answers most failures with HTTP 200 and an errcode, so this is where they are read.
import { SendError } from '../../send-error.js';

/** The access token expired or was replaced: fetch a new one and try once more. */
export const TOKEN_EXPIRED = new Set([40001, 40014, 42001]);

/** Busy or over a rate quota: worth trying again later. */
const TRANSIENT = new Set([-1, 45009, 45011, 45033]);

const EXPLAINED: Record<number, string> = {
  45015: 'the customer has not written to the account in the last 48 hours, so WeChat does not allow a customer service message',
  45047: 'too many messages were sent without the customer answering',
  43004: 'the customer does not follow the account (any more)',
  40003: 'the customer\'s OpenID is not valid for this account',
  45002: 'the message is too long',
  40013: 'the channel\'s appId is not valid',
  40125: 'the channel\'s appSecret is not valid',
  40164: 'this server\'s IP address is not on the account\'s IP whitelist',
  48001: 'the account is not allowed to use this API',
  40007: 'the media id is not valid or has expired (WeChat keeps media three days)',
};

/** A non-zero errcode as a SendError carrying WeChat's own code and message. */
export function wechatFailure(code: number, errmsg: string, doing = 'sending'): SendError {
  const reason = `WeChat error ${code} while ${doing}: ${EXPLAINED[code] ?? errmsg}${EXPLAINED[code] ? ` (${errmsg})` : ''}`;
  return TRANSIENT.has(code) || TOKEN_EXPIRED.has(code) ? SendError.transient(reason) : SendError.permanent(reason);
}
