// A unit of work over rows, written once and run two ways: a generator that yields each row
// operation and receives its result. On SQLite the operations run synchronously inside a group
// commit (group-commit.ts), so that many webhooks share one transaction; on MySQL they run one
// after another as ordinary queries. The code of the unit reads like plain sequential code:
//
//   const found = yield* findOne(CustomerEntity, { channelId, externalUserId });
//
// A failed operation is thrown back into the generator at that point, so a unit can catch a
// unique violation and read the winner, as it would with awaited queries.
//
// A unit may run more than once before it commits (group-commit.ts runs a group again without a
// unit that failed): it must depend only on the database and its inputs, change nothing outside
// the database, and leave its inputs as they were. What it returns is what its caller gets.
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { isUniqueViolation } from './unique-violation.js';

export type RowOp =
  | { op: 'findOne'; entity: EntityTarget<ObjectLiteral>; where: ObjectLiteral; order?: Record<string, 'ASC' | 'DESC'> }
  | { op: 'findOneWith'; entity: EntityTarget<ObjectLiteral>; where: ObjectLiteral; via: Record<string, EntityTarget<ObjectLiteral>> }
  | { op: 'insert'; entity: EntityTarget<ObjectLiteral>; row: ObjectLiteral }
  | { op: 'update'; entity: EntityTarget<ObjectLiteral>; where: ObjectLiteral; set: ObjectLiteral }
  | { op: 'delete'; entity: EntityTarget<ObjectLiteral>; where: ObjectLiteral };

/** A unit of work: yields row operations, returns T. */
export type Work<T> = Generator<RowOp, T, unknown>;

/** The row whose columns equal `where` (a null value matches NULL), or null; the first by `order` when several do. */
export function* findOne<T extends ObjectLiteral>(entity: EntityTarget<T>, where: Partial<T>, order?: Partial<Record<keyof T & string, 'ASC' | 'DESC'>>): Work<T | null> {
  return (yield { op: 'findOne', entity, where, order: order as Record<string, 'ASC' | 'DESC'> | undefined }) as T | null;
}

/** A row with the rows its keys point at (findOneWith): `with` holds each of those, or null. */
export interface Joined<T, V> { row: T; with: { [K in keyof V]: (V[K] extends EntityTarget<infer R> ? R : never) | null } }

/**
 * The row whose columns equal `where` together with, in the same query, the rows its keys point
 * at: `via` maps a key property (`openConversationId`) to the entity whose `id` it holds. A key
 * that is NULL or points at no row gives null there.
 */
export function* findOneWith<T extends ObjectLiteral, V extends Record<string, EntityTarget<ObjectLiteral>>>(entity: EntityTarget<T>, where: Partial<T>, via: V): Work<Joined<T, V> | null> {
  return (yield { op: 'findOneWith', entity, where, via }) as Joined<T, V> | null;
}

/** Inserts one row; a unique violation is thrown at this point. */
export function* insert<T extends ObjectLiteral>(entity: EntityTarget<T>, row: Partial<T>): Work<void> {
  yield { op: 'insert', entity, row };
}

/**
 * Inserts `row`; when a row with the same unique `key` exists already (a redelivery, a resend, a
 * race another process won), that row instead. `inserted` says which.
 */
export function* insertOrFind<T extends ObjectLiteral>(entity: EntityTarget<T>, row: T, key: Partial<T>): Work<{ row: T; inserted: boolean }> {
  try {
    yield* insert(entity, row);
    return { row, inserted: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const found = yield* findOne(entity, key);
    if (!found) throw err;
    return { row: found, inserted: false };
  }
}

/** Sets `set` on the rows matching `where`; returns how many rows matched. */
export function* update<T extends ObjectLiteral>(entity: EntityTarget<T>, where: Partial<T>, set: Partial<T>): Work<number> {
  return (yield { op: 'update', entity, where, set }) as number;
}

/** Deletes the rows matching `where`; returns how many. */
export function* remove<T extends ObjectLiteral>(entity: EntityTarget<T>, where: Partial<T>): Work<number> {
  return (yield { op: 'delete', entity, where }) as number;
}

/** A unit of exactly one operation, whose result it returns (Rows's single reads and writes). */
export function* single(op: RowOp): Work<unknown> {
  return yield op;
}

/** Runs a unit whose operations complete synchronously. */
export function driveSync<T>(work: Work<T>, exec: (op: RowOp) => unknown): T {
  let step = work.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = exec(step.value);
    } catch (err) {
      step = work.throw(err);
      continue;
    }
    step = work.next(result);
  }
  return step.value;
}

/** Runs a unit whose operations are awaited one after another. */
export async function driveAsync<T>(work: Work<T>, exec: (op: RowOp) => Promise<unknown>): Promise<T> {
  let step = work.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await exec(step.value);
    } catch (err) {
      step = work.throw(err);
      continue;
    }
    step = work.next(result);
  }
  return step.value;
}
