// Mutations of a valid webhook body, for checking that no signed input makes an adapter crash or
// answer 5xx. Deterministic (a seeded generator), so a failure names a mutant that comes back.
// JSON bodies are mutated by structure: a value anywhere replaced by one of another type, an
// absurd size or depth, broken Unicode, or a key removed. Other bodies (XML, forms) by bytes:
// cut short, bytes changed, a stretch repeated.
import { seeded } from '../../../bench/bench-math.js';

const deep = (levels: number): unknown => (levels ? [deep(levels - 1)] : 'bottom');
const ODD_VALUES: unknown[] = [
  null, 0, -1, 1.5, 1e308, -1e308, true, false, '', ' ', 'x'.repeat(5000), '\u0000\ud800\udfff\u202e', '12345678901234567890123',
  [], {}, [null], { '': null }, deep(60), '2026-13-45T99:99:99Z', 'https://example.com/../../etc/passwd', '<script>alert(1)</script>',
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every place in a JSON value, as a path of keys and indexes. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
  return out;
}

function mutateJson(doc: Json, rnd: () => number): Json {
  const copy = structuredClone(doc);
  const all = paths(copy).filter((p) => p.length > 0);
  const path = all[Math.floor(rnd() * all.length)];
  const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], copy);
  const key = path[path.length - 1];
  if (rnd() < 0.15 && !Array.isArray(parent)) delete parent[key];
  else parent[key] = structuredClone(ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)]) as Json;
  return copy;
}

function mutateBytes(body: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(body);
  const kind = rnd();
  if (kind < 0.3) return b.subarray(0, Math.floor(rnd() * b.length));
  if (kind < 0.7) {
    for (let i = 0; i < 1 + Math.floor(rnd() * 4); i++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    return b;
  }
  const from = Math.floor(rnd() * b.length);
  const piece = b.subarray(from, from + 1 + Math.floor(rnd() * 40));
  return Buffer.concat([b.subarray(0, from), piece, piece, b.subarray(from)]);
}

/** `count` mutants of `body`, the same ones for the same seed. */
export function mutants(body: Buffer, count: number, seed: number): Buffer[] {
  const rnd = seeded(seed);
  let doc: Json | undefined;
  try { doc = JSON.parse(body.toString('utf8')) as Json; } catch { doc = undefined; }
  return Array.from({ length: count }, () => (doc !== undefined && rnd() < 0.85
    ? Buffer.from(JSON.stringify(mutateJson(doc, rnd)))
    : mutateBytes(body, rnd)));
}
