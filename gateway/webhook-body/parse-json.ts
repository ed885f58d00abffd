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

/** Nesting depth, computed without recursion so that a hostile body cannot overflow the stack. */
export function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}
