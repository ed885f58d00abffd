// Validation at the door (STYLE.md 6): one zod schema per input; a failure is a 400 that names each bad field.
import { z } from 'zod';
import { AppError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = r.error.issues.flatMap((i) => i.code === 'unrecognized_keys'
    ? i.keys.map((k) => ({ field: [...i.path, k].join('.'), problem: 'is not a field we know (check its spelling)' }))
    : [{ field: i.path.join('.') || what, problem: i.message }]);
  throw new AppError('validation_failed', `The ${what} is not valid: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}.`, { fields });
}

/**
 * A change to a resource: strict (a field nobody knows is an error), except that the resource's
 * read-only fields, as its GET shows them, are dropped, so a client may send back what it read
 * with its changes.
 */
export function changeOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>, readOnly: readonly string[]) {
  const drop = new Set(readOnly);
  return z.preprocess(
    (v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => !drop.has(k))) : v),
    schema.strict(),
  );
}
