/** Checks of raw values that must hold before they reach the database (else they become driver errors). */

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
