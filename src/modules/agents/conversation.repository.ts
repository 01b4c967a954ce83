import { BaseRepository } from '../../common/base.repository.js';
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
        ...(shape.includes('a') ? { agent: value('agentId') } : {}),
        ...(shape.includes('u') ? { user: value('userId') } : {}),
        ...(shape.includes('s') ? { status: value('status') as ConversationStatus } : {}),
      })
      .orderBy({ lastMessageAt: 'desc nulls last', createdAt: 'desc', id: 'desc' })
      .limit(numberValue(value, 'limit')),
  conversationOfRow,
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
}
