/**
 * The inbox queue: one read model over everything that waits for (or got) a person's decision in an
 * organization: consultation requests (reviews), validations that need review (validations) and package
 * workflows that need review (packages). Plain rows from one UNION ALL statement; each branch walks an
 * index that leads with organization_id (declared beside each entity, `*_inbox_*_index`) with its own
 * keyset condition and LIMIT, so a page costs about the same with 10 or 10,000 waiting items.
 *
 * Orders: pending `newest` (created_at desc, id desc), pending `urgent` (urgency, then oldest first),
 * decided (latest decision first). The cursor carries the sort key of the page's last row, its timestamp
 * as PostgreSQL's own text (microseconds), so no row is skipped or repeated at a page boundary.
 */
import type { EntityManager } from '@mikro-orm/core';
import { readModel } from '../../db/sql.js';
import { requestUrgencySql } from '../reviews/consultation-request.entity.js';
import { validationUrgencySql } from '../validations/validation.entity.js';
import {
  columns,
  condition,
  encodeQueueCursor,
  decodeQueueCursor,
  keyset,
  type Branch,
  type Cursor,
} from './queue-sql.js';
import {
  URGENCIES,
  type InboxKind,
  type InboxStatus,
  type QueueFilter,
  type QueuePage,
  type QueueRow,
} from './queue.types.js';

interface RawRow {
  kind: InboxKind;
  id: string;
  title: string;
  detail: string | null;
  status: InboxStatus;
  urgency: number;
  agent_id: string | null;
  agent_name: string | null;
  created_at: Date | string;
  expires_at: Date | string | null;
  decided_at: Date | string | null;
  decided_by_id: string | null;
  decided_by_name: string | null;
  outcome: string | null;
  sort_ts: Date | string;
  sort_at: string;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

export class QueueRepository {
  constructor(private readonly em: EntityManager) {}

  private execute<T extends object[]>(sql: string, params: unknown[]): Promise<T> {
    return readModel<T>(this.em, sql, params);
  }

  private requests(f: QueueFilter, cursor: Cursor | null, limit: number): Branch | null {
    const pending = f.tab === 'pending';
    if (f.status && !(pending ? ['pending'] : ['answered', 'expired', 'cancelled']).includes(f.status))
      return null;
    const rank = requestUrgencySql('r');
    const ks = keyset(f, cursor, { ts: pending ? 'r.created_at' : 'r.updated_at', id: 'r.id', rank });
    if (!ks) return null;
    const params: unknown[] = [f.organizationId];
    let where = pending
      ? `r.status = 'pending' and r.deleted_at is null and r.expires_at > now()`
      : `r.status <> 'pending' and r.deleted_at is null`;
    if (!pending && f.status) where += condition(params, ` and r.status = ?::consultation_status`, f.status);
    if (f.urgency) where += condition(params, ` and r.priority = ?::consultation_priority`, f.urgency);
    if (f.agentId) where += condition(params, ` and r.agent_id = ?`, f.agentId);
    const select = columns({
      kind: 'request',
      id: 'r.id',
      title: 'left(r.question, 280)',
      detail: `case r.answer_kind when 'choice' then array_to_string(r.options, ' / ') end`,
      status: 'r.status::text',
      urgency: rank,
      agentId: 'r.agent_id',
      agentName: 'a.name',
      createdAt: 'r.created_at',
      expiresAt: 'r.expires_at',
      decidedAt: pending ? 'null::timestamptz' : 'coalesce(r.responded_at, r.cancelled_at, r.updated_at)',
      decidedById: 'r.responded_by_id',
      decidedByName: 'coalesce(u.display_name, u.email)',
      outcome: `left(coalesce(r.response->>'choice', r.response->>'text'), 280)`,
      sortTs: pending ? 'r.created_at' : 'r.updated_at',
    });
    return {
      sql: `${select}
              from consultation_requests r
              left join agents a on a.organization_id = r.organization_id and a.id = r.agent_id
              left join users u on u.id = r.responded_by_id
             where r.organization_id = ? and ${where} ${ks.where}
             order by ${ks.order} limit ?`,
      params: [...params, ...ks.params, limit],
    };
  }

  private validations(f: QueueFilter, cursor: Cursor | null, limit: number): Branch | null {
    const pending = f.tab === 'pending';
    if (f.status && !(pending ? ['pending'] : ['approved', 'rejected']).includes(f.status)) return null;
    if (f.urgency && !['high', 'normal'].includes(f.urgency)) return null;
    const rank = validationUrgencySql('v');
    const ks = keyset(f, cursor, { ts: pending ? 'v.created_at' : 'v.reviewed_at', id: 'v.id', rank });
    if (!ks) return null;
    const params: unknown[] = [f.organizationId];
    let where = pending
      ? `v.decision = 'needs_review' and v.reviewed_at is null`
      : 'v.reviewed_at is not null';
    if (!pending && f.status) {
      where += condition(params, ` and v.review_decision = ?::validation_review_decision`, f.status);
    }
    if (f.urgency) where += condition(params, ` and (${rank}) = ?`, URGENCIES.indexOf(f.urgency));
    if (f.agentId) where += condition(params, ` and v.registered_agent_id = ?`, f.agentId);
    const select = columns({
      kind: 'validation',
      id: 'v.id',
      title: 'left(v.action_description, 280)',
      detail: 'v.action_type::text',
      status: pending ? `'pending'::text` : 'v.review_decision::text',
      urgency: rank,
      agentId: 'v.registered_agent_id',
      agentName: 'coalesce(a.name, v.agent_id)::text',
      createdAt: 'v.created_at',
      expiresAt: 'null::timestamptz',
      decidedAt: 'v.reviewed_at',
      decidedById: 'v.reviewed_by_id',
      decidedByName: 'coalesce(u.display_name, u.email)',
      outcome: 'left(v.review_comment, 280)',
      sortTs: pending ? 'v.created_at' : 'v.reviewed_at',
    });
    return {
      sql: `${select}
              from validations v
              left join agents a on a.organization_id = v.organization_id and a.id = v.registered_agent_id
              left join users u on u.id = v.reviewed_by_id
             where v.organization_id = ? and ${where} ${ks.where}
             order by ${ks.order} limit ?`,
      params: [...params, ...ks.params, limit],
    };
  }

  private workflows(f: QueueFilter, cursor: Cursor | null, limit: number): Branch | null {
    const pending = f.tab === 'pending';
    if (f.status && !(pending ? ['pending'] : ['approved', 'rejected']).includes(f.status)) return null;
    const normal = URGENCIES.indexOf('normal');
    if (f.urgency && f.urgency !== 'normal') return null;
    const ks = keyset(f, cursor, {
      ts: pending ? 'w.created_at' : 'w.reviewed_at',
      id: 'w.id',
      rank: normal,
    });
    if (!ks) return null;
    const params: unknown[] = [f.organizationId];
    let where = pending ? `w.status = 'needs_review'` : 'w.reviewed_at is not null';
    if (!pending && f.status) where += condition(params, ` and w.status = ?::workflow_status`, f.status);
    if (f.agentId) where += condition(params, ` and s.agent_id = ?`, f.agentId);
    const select = columns({
      kind: 'workflow',
      id: 'w.id',
      title: `pr.package_name || '@' || pr.package_version`,
      detail: 's.project_name::text',
      status: pending ? `'pending'::text` : 'w.status::text',
      urgency: String(normal),
      agentId: 's.agent_id',
      agentName: 'a.name',
      createdAt: 'w.created_at',
      expiresAt: 'null::timestamptz',
      decidedAt: 'w.reviewed_at',
      decidedById: 'w.reviewed_by_id',
      decidedByName: 'coalesce(u.display_name, u.email)',
      outcome: 'left(w.review_reason, 280)',
      sortTs: pending ? 'w.created_at' : 'w.reviewed_at',
    });
    return {
      sql: `${select}
              from workflows w
              join package_requests pr on pr.organization_id = w.organization_id and pr.id = w.package_request_id
              join package_submissions s on s.organization_id = w.organization_id and s.id = pr.submission_id
              left join agents a on a.organization_id = w.organization_id and a.id = s.agent_id
              left join users u on u.id = w.reviewed_by_id
             where w.organization_id = ? and ${where} ${ks.where}
             order by ${ks.order} limit ?`,
      params: [...params, ...ks.params, limit],
    };
  }

  /**
   * The statement of one page (at most `limit` rows), or null when no branch can match. Exposed so the
   * benchmark can EXPLAIN exactly what a page runs.
   */
  pageQuery(
    filter: QueueFilter,
    limit: number,
    rawCursor?: string,
  ): { sql: string; params: unknown[] } | null {
    const cursor = rawCursor ? decodeQueueCursor(rawCursor) : null;
    const builders = { request: this.requests, validation: this.validations, workflow: this.workflows };
    const branches = (Object.keys(builders) as InboxKind[])
      .filter((kind) => !filter.kind || filter.kind === kind)
      .map((kind) => builders[kind].call(this, filter, cursor, limit))
      .filter((b): b is Branch => b !== null);
    if (branches.length === 0) return null;
    const order =
      filter.tab === 'pending' && filter.sort === 'urgent' ? 'urgency, sort_ts, id' : 'sort_ts desc, id desc';
    return {
      sql: `select * from (${branches.map((b) => `(${b.sql})`).join(' union all ')}) q order by ${order} limit ?`,
      params: [...branches.flatMap((b) => b.params), limit],
    };
  }

  /** One page of the queue (`limit` rows and the cursor of the next page, null on the last). */
  async page(filter: QueueFilter, limit: number, rawCursor?: string): Promise<QueuePage> {
    const query = this.pageQuery(filter, limit + 1, rawCursor);
    if (!query) return { items: [], nextCursor: null };
    const rows = await this.execute<RawRow[]>(query.sql, query.params);
    const items = rows.slice(0, limit).map(toQueueRow);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeQueueCursor(last) : null };
  }

  /** How many items of each kind wait for a decision (the tab title and the tabs' badges). */
  async pendingCounts(organizationId: string): Promise<Record<InboxKind, number>> {
    const [row] = await this.execute<{ request: string; validation: string; workflow: string }[]>(
      `select (select count(*) from consultation_requests
                where organization_id = ? and status = 'pending' and deleted_at is null and expires_at > now()) as request,
              (select count(*) from validations
                where organization_id = ? and decision = 'needs_review' and reviewed_at is null) as validation,
              (select count(*) from workflows where organization_id = ? and status = 'needs_review') as workflow`,
      [organizationId, organizationId, organizationId],
    );
    return {
      request: Number(row?.request ?? 0),
      validation: Number(row?.validation ?? 0),
      workflow: Number(row?.workflow ?? 0),
    };
  }
}

function toQueueRow(r: RawRow): QueueRow & { sortAt: string } {
  return {
    kind: r.kind,
    id: r.id,
    title: r.title,
    detail: r.detail,
    status: r.status,
    urgency: URGENCIES[r.urgency] ?? 'normal',
    agentId: r.agent_id,
    agentName: r.agent_name,
    createdAt: new Date(r.created_at),
    expiresAt: date(r.expires_at),
    decidedAt: date(r.decided_at),
    decidedBy: r.decided_by_id ? { id: r.decided_by_id, name: r.decided_by_name ?? '' } : null,
    outcome: r.outcome,
    sortAt: r.sort_at,
  };
}
