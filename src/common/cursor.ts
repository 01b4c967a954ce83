/**
 * Keyset (cursor) pagination on `(created_at, id)`, newest first. The cursor is opaque to clients:
 * base64url of `[createdAt ISO string, id]` of the last row of the previous page. Rows are written with
 * an application timestamp (millisecond precision), so the ISO string round-trips exactly.
 */
import { InvalidInputError } from './errors.js';
import { instantOf, isUuid } from './values.js';

export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(raw: string): CursorPosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const createdAt = typeof at === 'string' ? instantOf(at) : null;
    if (createdAt && typeof id === 'string' && isUuid(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor is not one this API returned', { field: 'cursor' });
}

/** The condition "strictly after the cursor" in `createdAt desc, id desc` order. */
export function afterCursor(cursor: string | undefined): Record<string, unknown> {
  if (!cursor) return {};
  const { createdAt, id } = decodeCursor(cursor);
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: id } }] };
}

/** Turns `limit + 1` fetched rows into a page. */
export function toPage<T extends CursorPosition>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
