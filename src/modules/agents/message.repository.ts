import { BaseRepository } from '../../common/base.repository.js';
import type { Message } from './message.entity.js';

export class MessageRepository extends BaseRepository<Message> {
  /** Messages of a conversation in the order they were written (served by (conversation_id, created_at)). */
  listForConversation(conversationId: string, limit = 200): Promise<Message[]> {
    return this.find({ conversation: conversationId }, { orderBy: { createdAt: 'asc', id: 'asc' }, limit });
  }
}
