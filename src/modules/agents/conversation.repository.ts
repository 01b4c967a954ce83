import { BaseRepository } from '../../common/base.repository.js';
import { execute } from '../../db/sql.js';
import { numberValue, preparedVariants } from '../../db/prepared.js';
import { Conversation } from './conversation.entity.js';
import { conversationOfRow, type ConversationRow, type ConversationView } from './conversation.view.js';
import type { ConversationStatus } from './enums.js';

export interface ConversationFilter {
  agentId?: string;
  userId?: string;
  status?: ConversationStatus;
  limit?: number;
}

type Values = { organizationId: string; agentId?: string; userId?: string; status?: string; limit: number };

/** One prepared statement per combination of filters present (a = agent, u = user, s = status). */
const listed = preparedVariants<string, Values, ConversationView, ConversationRow>(
  (shape) => (em, value) =>
    em
      .createQueryBuilder(Conversation, 'c')
      .select('*')
      .where({
        organization: value('organizationId'),
        ...(shape.includes('a') ? { agent: { id: value('agentId') } } : {}),
        ...(shape.includes('u') ? { user: value('userId') } : {}),
        ...(shape.includes('s') ? { status: value('status') as ConversationStatus } : {}),
      })
      .orderBy({ lastMessageAt: 'desc nulls last', createdAt: 'desc', id: 'desc' })
      .limit(numberValue(value, 'limit')),
  conversationOfRow,
  { replica: true },
);

export class ConversationRepository extends BaseRepository<Conversation> {
  /** Read model: conversations of an organization, most recently active first (served by its indexes). */
  listViews(organizationId: string, filter: ConversationFilter = {}): Promise<ConversationView[]> {
    const shape = `${filter.agentId ? 'a' : ''}${filter.userId ? 'u' : ''}${filter.status ? 's' : ''}`;
    return listed(shape).all(this.getEntityManager(), {
      organizationId,
      agentId: filter.agentId,
      userId: filter.userId,
      status: filter.status,
      limit: filter.limit ?? 50,
    });
  }

  /**
   * Retention: deletes up to `limit` conversations of the organization whose last activity (the last
   * message, else the creation) is more than `days` days old, oldest first, in one transaction; their
   * messages go with them (CASCADE) and memories keep existing without their source (cleared here: a
   * foreign key that shares the tenant column cannot SET NULL). Rows another transaction holds (a message
   * being posted) are skipped for this batch. Three statements, each naming the organization, rather than
   * one with data-modifying CTEs, which Citus refuses around `coalesce(…)` and `now()`. Returns the count.
   */
  deleteInactive(organizationId: string, days: number, limit: number): Promise<number> {
    return this.getEntityManager().transactional(async (em) => {
      // the cutoff first: Citus refuses a locking statement that computes now() beside a coalesce
      const [{ cutoff }] = await execute<[{ cutoff: Date }]>(
        em,
        'select now() - make_interval(days => ?) as cutoff',
        [days],
      );
      const expired = await execute<{ id: string }[]>(
        em,
        `select id from conversations
          where organization_id = ? and coalesce(last_message_at, created_at) < ?
          order by coalesce(last_message_at, created_at), id
          limit ? for update skip locked`,
        [organizationId, cutoff, limit],
      );
      if (expired.length === 0) return 0;
      const ids = expired.map((r) => r.id);
      await execute(
        em,
        `update memories set source_conversation_id = null
          where organization_id = ? and source_conversation_id = any(array[?]::uuid[])`,
        [organizationId, ids],
      );
      await execute(
        em,
        `delete from conversations where organization_id = ? and id = any(array[?]::uuid[])`,
        [organizationId, ids],
      );
      return ids.length;
    });
  }
}
