/**
 * The SQL building blocks of the inbox queue (src/modules/inbox/queue.repository.ts): the cursor, the
 * columns every branch of the UNION ALL selects, and each branch's keyset condition and order.
 */
import { InvalidInputError } from '../../common/errors.js';
import { isUuid } from '../../common/values.js';
import { URGENCIES, type InboxKind, type QueueFilter, type Urgency } from './queue.types.js';

/** Appends a filter's parameter and returns its SQL. */
export function condition(params: unknown[], sql: string, value: unknown): string {
  params.push(value);
  return sql;
}

export interface Branch {
  sql: string;
  params: unknown[];
}

export interface Cursor {
  rank: number;
  at: string;
  id: string;
}

/** PostgreSQL's text form of a timestamptz (ISO DateStyle), as the cursor carries it. */
export const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function encodeQueueCursor(row: { urgency: Urgency; sortAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([URGENCIES.indexOf(row.urgency), row.sortAt, row.id])).toString(
    'base64url',
  );
}

export function decodeQueueCursor(raw: string): Cursor {
  try {
    const [rank, at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof rank === 'number' &&
      Number.isInteger(rank) &&
      rank >= 0 &&
      rank < URGENCIES.length &&
      typeof at === 'string' &&
      PG_TIMESTAMP.test(at) &&
      typeof id === 'string' &&
      isUuid(id)
    ) {
      return { rank, at, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor is not one this inbox returned', { field: 'cursor' });
}

/** The columns every branch selects, in this order (UNION ALL matches them by position). */
export const columns = (c: {
  kind: InboxKind;
  id: string;
  title: string;
  detail: string;
  status: string;
  urgency: string;
  agentId: string;
  agentName: string;
  createdAt: string;
  expiresAt: string;
  decidedAt: string;
  decidedById: string;
  decidedByName: string;
  outcome: string;
  sortTs: string;
}) =>
  `select '${c.kind}'::text as kind, ${c.id} as id, ${c.title} as title, ${c.detail} as detail,
          ${c.status} as status, ${c.urgency} as urgency, ${c.agentId} as agent_id, ${c.agentName} as agent_name,
          ${c.createdAt} as created_at, ${c.expiresAt} as expires_at, ${c.decidedAt} as decided_at,
          ${c.decidedById} as decided_by_id, ${c.decidedByName} as decided_by_name, ${c.outcome} as outcome,
          ${c.sortTs} as sort_ts, ${c.sortTs}::text as sort_at`;

/**
 * The keyset condition and order of one branch. `ts`/`id` are the branch's sort columns, `rank` its
 * urgency expression (a constant for workflows, which are all `normal`).
 */
export function keyset(
  filter: QueueFilter,
  cursor: Cursor | null,
  k: { ts: string; id: string; rank: string | number },
): { where: string; params: unknown[]; order: string } | null {
  if (filter.tab === 'decided' || filter.sort === 'newest') {
    return {
      where: cursor ? `and (${k.ts}, ${k.id}) < (?::timestamptz, ?::uuid)` : '',
      params: cursor ? [cursor.at, cursor.id] : [],
      order: `${k.ts} desc, ${k.id} desc`,
    };
  }
  const order = typeof k.rank === 'number' ? `${k.ts}, ${k.id}` : `(${k.rank}), ${k.ts}, ${k.id}`;
  if (!cursor) return { where: '', params: [], order };
  if (typeof k.rank === 'number') {
    if (cursor.rank > k.rank) return null; // every row of this branch came before the cursor
    if (cursor.rank < k.rank) return { where: '', params: [], order };
    return {
      where: `and (${k.ts}, ${k.id}) > (?::timestamptz, ?::uuid)`,
      params: [cursor.at, cursor.id],
      order,
    };
  }
  return {
    where: `and ((${k.rank}), ${k.ts}, ${k.id}) > (?::int, ?::timestamptz, ?::uuid)`,
    params: [cursor.rank, cursor.at, cursor.id],
    order,
  };
}
