// Reads a JSON webhook body: content type, strict UTF-8, bounded nesting, then the platform's
// schema. Every failure is a 400/415 with a reason; nothing malformed reaches an adapter.
import type { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import type { WebhookRequest } from '../adapter.js';
import { bodyText, requireMediaType } from './decode-text.js';

export const MAX_JSON_DEPTH = 64;

/** Parses and validates; `what` names the body in error messages ("A LINE webhook"). */
export function parseJsonBody<S extends z.ZodType>(req: WebhookRequest, schema: S, what: string): z.infer<S> {
  requireMediaType(req.headers, ['application/json'], what);
  const text = bodyText(req.rawBody);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('bad_request', `${what} is not valid JSON.`);
  }
  if (depthOf(value) > MAX_JSON_DEPTH) throw new AppError('bad_request', `${what} is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new AppError('validation_failed', `${what} has fields of the wrong shape: ${issues.join('; ')}.`);
  }
  return parsed.data;
}

/**
 * Nesting depth, counted no further than MAX_JSON_DEPTH + 1: the walk never goes deeper than
 * that, so a hostile body cannot overflow the stack (JSON.parse itself does not recurse).
 */
export function depthOf(value: unknown, depth = 1): number {
  if (value === null || typeof value !== 'object') return depth - 1;
  if (depth > MAX_JSON_DEPTH) return depth;
  let max = depth;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const d = depthOf(value[i], depth + 1);
      if (d > max) { max = d; if (max > MAX_JSON_DEPTH) return max; }
    }
  } else {
    for (const k in value) {
      const d = depthOf((value as Record<string, unknown>)[k], depth + 1);
      if (d > max) { max = d; if (max > MAX_JSON_DEPTH) return max; }
    }
  }
  return max;
}
