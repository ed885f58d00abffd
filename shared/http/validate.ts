// Validation at the door (STYLE.md 6): one zod schema per input; a failure is a 400 that names each bad field.
import type { z } from 'zod';
import { AppError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = r.error.issues.flatMap((i) => i.code === 'unrecognized_keys'
    ? i.keys.map((k) => ({ field: [...i.path, k].join('.'), problem: 'is not a field we know (check its spelling)' }))
    : [{ field: i.path.join('.') || what, problem: i.message }]);
  throw new AppError('validation_failed', `The ${what} is not valid: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}.`, { fields });
}
