// Maps every error to API.md's body {"error":{"code","message"}} and a fitting status, in one place.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { AppError, bodyTooLarge, toAppError } from '../errors.js';

/** body-parser's own errors (too large, bad JSON, bad charset) as our errors. */
function fromBodyParser(err: { type?: string; status?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.too.large': return bodyTooLarge();
    case 'entity.parse.failed': return new AppError('bad_request', 'The request body is not valid JSON.');
    case 'charset.unsupported': case 'encoding.unsupported': return new AppError('unsupported_type', 'The body\'s charset or encoding is not supported; send UTF-8.');
    case 'request.aborted': return new AppError('bad_request', 'The request was aborted before its body arrived.');
    default: return undefined;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appErr = fromBodyParser(err) ?? toAppError(err);
    if (appErr.code === 'internal') logger.error({ err, path: req.path }, 'unhandled error');
    if (appErr.retryAfterSeconds) res.setHeader('Retry-After', String(appErr.retryAfterSeconds));
    if (res.headersSent) return;
    res.status(appErr.status).json(appErr.toJSON());
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(new AppError('not_found', `No such endpoint: ${req.method} ${req.path}.`).toJSON());
};

/** Requires a JSON body on writes, so that form posts and the like get a clear 415. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    next(new AppError('unsupported_type', 'Send the body as JSON, with Content-Type: application/json.'));
    return;
  }
  next();
};
