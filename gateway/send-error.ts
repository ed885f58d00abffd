// How an adapter says a send failed: permanent (stop, mark failed with the platform's reason)
// or transient (retry with backoff, after Retry-After when the platform gave one).
export class SendError extends Error {
  constructor(message: string, readonly permanent: boolean, readonly retryAfterMs?: number) { super(message); }
  static permanent(reason: string) { return new SendError(reason, true); }
  static transient(reason: string, retryAfterMs?: number) { return new SendError(reason, false, retryAfterMs); }
}
