// Twilio's own shapes: the form fields of incoming-message and status-callback webhooks, and
// the JSON of the Messages resource. Never exported past this adapter.

/** Incoming message webhook (form fields); MediaUrl{N}/MediaContentType{N} for N < NumMedia. */
export interface TwilioIncoming {
  MessageSid: string; AccountSid?: string; From: string; To?: string; Body?: string;
  NumMedia?: string; ProfileName?: string; Latitude?: string; Longitude?: string; Address?: string; Label?: string;
  [field: string]: string | undefined;
}

/** Status callback (form fields). */
export interface TwilioStatusCallback { MessageSid: string; MessageStatus: string; ErrorCode?: string; ErrorMessage?: string }

/** POST /2010-04-01/Accounts/{AccountSid}/Messages.json answer (the parts we read). */
export interface TwilioMessageResource { sid: string; status?: string; error_code?: number | null; error_message?: string | null }

/** Twilio's error body. */
export interface TwilioErrorBody { code?: number; message?: string; more_info?: string; status?: number }
