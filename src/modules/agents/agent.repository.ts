import { BaseRepository } from '../../common/base.repository.js';
import type { Agent } from './agent.entity.js';

export class AgentRepository extends BaseRepository<Agent> {
  findBySlug(organizationId: string, slug: string): Promise<Agent | null> {
    return this.findOne({ organization: organizationId, slug });
  }
}
