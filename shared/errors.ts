// Errors that carry a stable code and a sentence the user can act on; one mapping to HTTP status.
export type ErrorCode =
  | 'bad_request' | 'validation_failed' | 'unauthenticated' | 'bad_signature' | 'forbidden'
  | 'not_found' | 'conflict' | 'request_timeout' | 'too_large' | 'unsupported_type' | 'rate_limited'
  | 'dependency_down' | 'platform_error' | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400, validation_failed: 400, unauthenticated: 401, bad_signature: 401, forbidden: 403,
  not_found: 404, conflict: 409, request_timeout: 408, too_large: 413, unsupported_type: 415, rate_limited: 429,
  dependency_down: 503, platform_error: 502, internal: 500,
};

export class AppError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown, readonly retryAfterSeconds?: number) {
    super(message);
  }
  get status(): number { return STATUS[this.code]; }
  toJSON() { return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } }; }
}

export const notFound = (what: string) => new AppError('not_found', `${what} was not found.`);
export const forbidden = (why: string) => new AppError('forbidden', why);
export const badRequest = (why: string, details?: unknown) => new AppError('bad_request', why, details);
/** An action on a conversation that a close (by someone else, or a routing race) ended first. */
export const closedMeanwhile = () => new AppError('conflict', 'This conversation was closed meanwhile.');
export const bodyTooLarge = () => new AppError('too_large', 'The request body is larger than this endpoint accepts.');
/** A template asked for (listed or sent) in a conversation whose platform has none. */
export const noTemplatesOn = (platform: string) => {
  const problem = `Templates are WhatsApp's; this conversation is on ${platform}. Send text or a file instead.`;
  return new AppError('validation_failed', problem, { fields: [{ field: 'template', problem }] });
};

/** Turns anything thrown into an AppError; unknown errors become 'internal' without leaking their text. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('internal', 'Something went wrong on our side; it has been logged. Try again.');
}
