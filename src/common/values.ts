/** Checks of raw values that must hold before they reach the database (else they become driver errors). */
import { InvalidInputError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * Whether PostgreSQL (and PGlite) can take this Date as a timestamptz parameter: a valid Date in UTC years
 * 1..9999. JavaScript Dates reach ±275760; the server refuses year 0 and years before 4713 BC (22008/22009).
 */
export function isStorableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}

/**
 * A date-time from a request body as a Date. The schema's `date-time` format accepts strings `new Date`
 * cannot represent (a leap second, `23:59:60Z`): those are a 400 here, not an Invalid Date that fails later.
 */
export function parseInstant(value: string, field: string): Date {
  const date = new Date(value);
  if (!isStorableDate(date)) {
    throw new InvalidInputError(`${field} is not a valid date-time`, { field });
  }
  return date;
}

/** Deepest nesting a JSON document may have before it is read recursively (lockfiles, check results). */
export const MAX_JSON_DEPTH = 512;

/** A place in a JSON value that PostgreSQL cannot store (`nul`: U+0000 in a string or key) or nested too deep. */
export interface JsonFlaw {
  kind: 'nul' | 'depth';
  /** `root.key.0.key`; for a NUL in a key, the path of the object holding the key. */
  path: string;
}

/**
 * The one JSON walker: finds the flaws of a JSON value with an explicit stack, so a hostile nesting cannot
 * overflow ours. An object deeper than `maxDepth` (the root is depth 1) is a flaw and is not entered; a key
 * holding a NUL is a flaw and its value is not entered. Stops once `limit` flaws are found (checked between
 * values, so the flaws of one object's keys all count), in walk order (last key first).
 */
export function jsonFlaws(
  root: unknown,
  {
    path = '',
    maxDepth = Infinity,
    limit = Infinity,
  }: { path?: string; maxDepth?: number; limit?: number } = {},
): JsonFlaw[] {
  const found: JsonFlaw[] = [];
  const stack: [unknown, string, number][] = [[root, path, 1]];
  while (stack.length > 0 && found.length < limit) {
    const [value, at, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push({ kind: 'nul', path: at });
    } else if (typeof value === 'object' && value !== null) {
      if (depth > maxDepth) {
        found.push({ kind: 'depth', path: at });
        continue;
      }
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) found.push({ kind: 'nul', path: at });
        else stack.push([item, `${at}.${key}`, depth + 1]);
      }
    }
  }
  return found;
}

/**
 * The paths (sorted, at most about `limit`) of the strings or keys holding a NUL character, which PostgreSQL
 * cannot store in text or jsonb (it fails with 08P01 or 22P05, formerly a 500: found by
 * tests/reliability/fuzz.test.ts).
 */
export function nulCharacterPaths(root: unknown, path = 'body', limit = 20): string[] {
  return jsonFlaws(root, { path, limit })
    .map((flaw) => flaw.path)
    .sort();
}

/**
 * Why a JSON document cannot be read recursively or stored as jsonb (`nested deeper than …`, `contains a NUL
 * character`), or null.
 */
export function unstorableJson(doc: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const [first] = jsonFlaws(doc, { maxDepth, limit: 1 });
  if (!first) return null;
  return first.kind === 'depth'
    ? `it is nested deeper than ${maxDepth} levels`
    : 'it contains a NUL character (\\u0000)';
}
