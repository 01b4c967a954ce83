import type { FilterQuery } from '@mikro-orm/core';
import { BaseRepository } from '../../common/base.repository.js';
import { InvalidInputError } from '../../common/errors.js';
import { instantOf, isUuid } from '../../common/values.js';
import type { ConsultationRequest } from './consultation-request.entity.js';
import { REQUEST_PRIORITIES, type RequestPriority, type RequestStatus } from './enums.js';

export interface RequestListFilter {
  organizationId: string;
  status?: RequestStatus;
  priority?: RequestPriority;
  agentId?: string;
  assigneeId?: string;
  includeDeleted?: boolean;
  limit: number;
  cursor?: string;
}

interface CursorKey {
  priority: RequestPriority;
  createdAt: Date;
  id: string;
}

/** The cursor is the sort key of the last row of a page, opaque to clients (base64url JSON). */
export const encodeCursor = (r: CursorKey): string =>
  Buffer.from(JSON.stringify([r.priority, r.createdAt.toISOString(), r.id])).toString('base64url');

/**
 * Only what `encodeCursor` writes: a known priority, a canonical ISO timestamp in years 1..9999 (the range
 * PostgreSQL and `toISOString` agree on) and a UUID. Anything else is a 400, never a database error.
 */
function decodeCursor(cursor: string): CursorKey {
  try {
    const [priority, createdAt, id] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    const date = typeof createdAt === 'string' ? instantOf(createdAt) : null;
    if (
      REQUEST_PRIORITIES.includes(priority as RequestPriority) &&
      date &&
      date.toISOString() === createdAt &&
      typeof id === 'string' &&
      isUuid(id)
    ) {
      return { priority: priority as RequestPriority, createdAt: date, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor is not one this API returned', { field: 'cursor' });
}

export class ConsultationRequestRepository extends BaseRepository<ConsultationRequest> {
  /**
   * The inbox order: most urgent first, then oldest first, then id (unique, so the order is total and a
   * cursor never skips or repeats a row). Keyset pagination on (priority desc, created_at asc, id asc).
   */
  async listPage(f: RequestListFilter): Promise<{ items: ConsultationRequest[]; nextCursor: string | null }> {
    const where: FilterQuery<ConsultationRequest>[] = [{ organization: f.organizationId }];
    if (f.status) where.push({ status: f.status });
    if (f.priority) where.push({ priority: f.priority });
    if (f.agentId) where.push({ agent: { id: f.agentId } });
    if (f.assigneeId) where.push({ assignee: f.assigneeId });
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      where.push({
        $or: [
          { priority: { $lt: c.priority } },
          { priority: c.priority, createdAt: { $gt: c.createdAt } },
          { priority: c.priority, createdAt: c.createdAt, id: { $gt: c.id } },
        ],
      });
    }
    const rows = await this.find(
      { $and: where },
      {
        orderBy: [{ priority: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }],
        limit: f.limit + 1,
        ...(f.includeDeleted ? { filters: { notDeleted: false } } : {}),
      },
    );
    const items = rows.slice(0, f.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > f.limit && last ? encodeCursor(last) : null };
  }
}
