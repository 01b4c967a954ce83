import { BaseRepository } from '../../common/base.repository.js';
import { numberValue, PreparedQuery } from '../../db/prepared.js';
import { Message } from './message.entity.js';
import { messageOfRow, type MessageRow, type MessageView } from './conversation.view.js';

const ofConversations = new PreparedQuery<
  { organizationId: string; conversationIds: string[]; limit: number },
  MessageView,
  MessageRow
>(
  (em, value) =>
    em
      .createQueryBuilder(Message, 'm')
      .select('*')
      .where({
        organization: value('organizationId'),
        conversation: { id: { $in: [value('conversationIds')] } }, // `in (?)`: the list goes in whole
      })
      .orderBy({ conversation: 'asc', createdAt: 'asc', id: 'asc' })
      .limit(numberValue(value, 'limit')),
  messageOfRow,
  { replica: true },
);

export class MessageRepository extends BaseRepository<Message> {
  /**
   * Read model: the messages of these conversations (already checked to be the caller's), each
   * conversation's in the order they were written (served by (conversation_id, created_at)).
   */
  viewsOfConversations(
    organizationId: string,
    conversationIds: string[],
    limit = 200,
  ): Promise<MessageView[]> {
    if (!conversationIds.length) return Promise.resolve([]);
    return ofConversations.all(this.getEntityManager(), { organizationId, conversationIds, limit });
  }
}
