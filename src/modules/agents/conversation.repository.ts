import { BaseRepository } from '../../common/base.repository.js';
import { execute } from '../../db/sql.js';
import type { Conversation } from './conversation.entity.js';
import type { ConversationStatus } from './enums.js';

export interface ConversationFilter {
  agentId?: string;
  userId?: string;
  status?: ConversationStatus;
  limit?: number;
}

export class ConversationRepository extends BaseRepository<Conversation> {
  /** Conversations of an organization, most recently active first. */
  listForOrganization(organizationId: string, filter: ConversationFilter = {}): Promise<Conversation[]> {
    return this.find(
      {
        organization: organizationId,
        ...(filter.agentId ? { agent: filter.agentId } : {}),
        ...(filter.userId ? { user: filter.userId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
      },
      {
        orderBy: {
          lastMessageAt: 'desc nulls last',
          createdAt: 'desc',
          id: 'desc',
        },
        limit: filter.limit ?? 50,
      },
    );
  }

  /**
   * Retention: deletes up to `limit` conversations of the organization whose last activity (the last
   * message, else the creation) is more than `days` days old, oldest first, in one statement; their
   * messages go with them (CASCADE) and memories keep existing without their source (SET NULL). Rows
   * another transaction holds (a message being posted) are skipped for this batch. Returns the count.
   */
  async deleteInactive(organizationId: string, days: number, limit: number): Promise<number> {
    const rows = await execute<{ id: string }[]>(
      this.getEntityManager(),
      `with expired as (
         select id from conversations
         where organization_id = ? and coalesce(last_message_at, created_at) < now() - make_interval(days => ?)
         order by coalesce(last_message_at, created_at), id
         limit ? for update skip locked)
       delete from conversations c using expired where c.id = expired.id returning c.id`,
      [organizationId, days, limit],
    );
    return rows.length;
  }
}
