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

/** RFC 3339 `date-time`: date, `T` (or `t`, or a space), time with optional fraction, `Z` or an offset. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const daysIn = (year: number, month: number): number =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/**
 * The one reading of a date-time input (body, query, any surface): an RFC 3339 `date-time` that JavaScript
 * and PostgreSQL can both represent, as a Date; otherwise null. Refused: other shapes (a date alone, no
 * offset, `+275760-…` expanded years), impossible fields (`02-30`, `24:00`, an offset of `+25:00`), a leap
 * second (`23:59:60`, which a Date cannot hold), and instants outside UTC years 1..9999 once the offset is
 * applied. Digits of a second beyond milliseconds are dropped (a Date holds milliseconds). The request
 * schemas' `date-time` format is this function (src/http/validation.ts), so a 400 names the field.
 */
export function instantOf(value: string): Date | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0..99 as 1900..1999
  utc.setUTCHours(hour, minute, second, millis);
  const date = new Date(utc.getTime() - offsetMinutes * 60_000);
  return isStorableDate(date) ? date : null;
}

/** `instantOf`, or a 400 naming the field. */
export function parseInstant(value: string, field: string): Date {
  const date = instantOf(value);
  if (!date) {
    throw new InvalidInputError(
      `${field} must be an RFC 3339 date-time with an offset (e.g. 2030-01-31T12:00:00Z), in years 1 to 9999, without a leap second`,
      { field },
    );
  }
  return date;
}

/** `parseInstant` for an optional or nullable input: undefined and null pass through unchanged. */
export function parseOptionalInstant(
  value: string | null | undefined,
  field: string,
): Date | null | undefined {
  return typeof value === 'string' ? parseInstant(value, field) : value;
}

/**
 * The JSON policy, one for every surface and route:
 * - depth: no JSON value (a request body, a free-form field, a lockfile) nests deeper than MAX_JSON_DEPTH
 *   levels, counted from the root (an object or array is one level). Checked by this iterative walker before
 *   anything recursive sees the value: ajv, TypeBox, MikroORM's JSON comparison and cloning, `JSON.stringify`
 *   in the driver and the response serializer all recurse, and overflow the stack at a few thousand levels.
 *   512 levels are far from that (tests/http/json-policy.test.ts stores and reads back a value at the limit).
 * - size: a free-form field (settings, metadata, context, tool calls and results) is at most
 *   MAX_JSON_FIELD_BYTES of JSON text; a route's own document (a package-lock.json, a scanner's report) is
 *   bounded by the request body limit (BODY_LIMIT_BYTES) only.
 */
export const MAX_JSON_DEPTH = 512;
export const MAX_JSON_FIELD_BYTES = 256 * 1024;

/** A place in a JSON value that PostgreSQL cannot store (`nul`: U+0000 in a string or key) or nested too deep. */
export interface JsonFlaw {
  kind: 'nul' | 'depth';
  /** `root.key.0.key`; for a NUL in a key, the path of the object holding the key. */
  path: string;
  /** The top-level field holding the flaw (`root.key`), or the root itself. */
  field: string;
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
  const stack: [unknown, string, number, string][] = [[root, path, 1, path]];
  while (stack.length > 0 && found.length < limit) {
    const [value, at, depth, field] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push({ kind: 'nul', path: at, field });
    } else if (typeof value === 'object' && value !== null) {
      if (depth > maxDepth) {
        found.push({ kind: 'depth', path: at, field });
        continue;
      }
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) found.push({ kind: 'nul', path: at, field });
        else stack.push([item, `${at}.${key}`, depth + 1, depth === 1 ? `${at}.${key}` : field]);
      }
    }
  }
  return found;
}

/**
 * Whether the JSON text of `value` is longer than `maxBytes` (UTF-8), measured without building it and
 * without recursion; stops as soon as it is.
 */
export function jsonLongerThan(value: unknown, maxBytes: number): boolean {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') bytes += Buffer.byteLength(JSON.stringify(item));
    else if (typeof item === 'number' || typeof item === 'boolean') bytes += String(item).length;
    else if (item === null || item === undefined) bytes += 4;
    else if (Array.isArray(item)) {
      bytes += 1 + item.length;
      for (const element of item) stack.push(element);
    } else if (typeof item === 'object') {
      const entries = Object.entries(item);
      bytes += 1 + entries.length;
      for (const [key, element] of entries) {
        bytes += Buffer.byteLength(JSON.stringify(key)) + 1;
        stack.push(element);
      }
    }
    if (bytes > maxBytes) return true;
  }
  return false;
}

/**
 * The JSON policy for one free-form field, for services that any surface calls: a 400 naming the field when
 * it is nested too deep, too long, or holds a NUL character. HTTP requests are refused before they get here
 * (src/http/errors.plugin.ts, src/http/validation.ts); this keeps other surfaces (CLI, MCP tools) honest.
 */
export function assertJsonField(value: unknown, field: string, maxBytes = MAX_JSON_FIELD_BYTES): void {
  if (value === undefined || value === null) return;
  const problem = unstorableJson(value);
  if (problem !== null) throw new InvalidInputError(`${field} cannot be stored: ${problem}`, { field });
  if (jsonLongerThan(value, maxBytes)) {
    throw new InvalidInputError(`${field} is longer than ${maxBytes} bytes of JSON`, { field });
  }
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
