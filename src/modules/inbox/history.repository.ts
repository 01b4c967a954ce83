/**
 * The history of decisions in an organization, read from the audit trail: answers, expiries and
 * cancellations of requests, reviews of validations, and a person's decisions on workflows, each
 * with who (a person, an agent, or the system) and when. Newest first, keyset-paginated on
 * (timestamp, id) through `audit_logs_organization_id_timestamp_index`.
 */
import type { EntityManager } from '@mikro-orm/core';
import { InvalidInputError } from '../../common/errors.js';
import { isUuid } from '../../common/values.js';
import { readModel } from '../../db/sql.js';

export const DECISION_ACTIONS = [
  'consultation_request.answered',
  'consultation_request.expired',
  'consultation_request.cancelled',
  'validation.reviewed',
  'workflow.status_changed',
] as const;

export interface DecisionEntry {
  id: string;
  action: (typeof DECISION_ACTIONS)[number];
  resourceType: string;
  resourceId: string;
  details: Record<string, unknown>;
  at: Date;
  /** The person who decided, or null (an agent, the checks, the expiry sweeper). */
  user: { id: string; name: string } | null;
  agent: { id: string; name: string } | null;
}

interface RawEntry {
  id: string;
  action: DecisionEntry['action'];
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown> | string;
  timestamp: Date | string;
  sort_at: string;
  user_id: string | null;
  user_name: string | null;
  agent_id: string | null;
  agent_name: string | null;
}

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

function decode(raw: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && PG_TIMESTAMP.test(at) && typeof id === 'string' && isUuid(id))
      return [at, id];
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor is not one this inbox returned', { field: 'cursor' });
}

export class DecisionHistoryRepository {
  constructor(private readonly em: EntityManager) {}

  async page(
    organizationId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: DecisionEntry[]; nextCursor: string | null }> {
    const after = cursor ? decode(cursor) : null;
    const rows = await readModel<RawEntry[]>(
      this.em,
      `select l.id, l.action, l.resource_type, l.resource_id, l.details, l.timestamp, l.timestamp::text as sort_at,
              l.user_id, coalesce(u.display_name, u.email) as user_name, l.agent_id, a.name as agent_name
         from audit_logs l
         left join users u on u.id = l.user_id
         left join agents a on a.organization_id = l.organization_id and a.id = l.agent_id
        where l.organization_id = ?
          and (l.action in (${DECISION_ACTIONS.slice(0, 4)
            .map(() => '?')
            .join(', ')})
               or (l.action = 'workflow.status_changed' and l.details->>'review' = 'true'))
          ${after ? 'and (l.timestamp, l.id) < (?::timestamptz, ?::uuid)' : ''}
        order by l.timestamp desc, l.id desc
        limit ?`,
      [organizationId, ...DECISION_ACTIONS.slice(0, 4), ...(after ?? []), limit + 1],
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r: RawEntry) => ({
        id: r.id,
        action: r.action,
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        details:
          typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
        at: new Date(r.timestamp),
        user: r.user_id ? { id: r.user_id, name: r.user_name ?? 'a deleted account' } : null,
        agent: r.agent_id ? { id: r.agent_id, name: r.agent_name ?? 'a deleted agent' } : null,
      })),
      nextCursor:
        rows.length > limit && last
          ? Buffer.from(JSON.stringify([last.sort_at, last.id])).toString('base64url')
          : null,
    };
  }
}
