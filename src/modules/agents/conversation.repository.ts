import { BaseRepository } from '../../common/base.repository.js';
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
}
