import type { FilterQuery } from '@mikro-orm/core';
import { BaseRepository } from '../../common/base.repository.js';
import { afterCursor, toPage, type Page } from '../../common/cursor.js';
import type { ValidationDecision, VetoLevel } from './enums.js';
import type { Validation } from './validation.entity.js';

export interface ValidationFilter {
  agentId?: string;
  registeredAgentId?: string;
  actionType?: string;
  decision?: ValidationDecision;
  vetoLevel?: VetoLevel;
  /** Inclusive lower bound on created_at. */
  from?: Date;
  /** Exclusive upper bound on created_at. */
  to?: Date;
}

export class ValidationRepository extends BaseRepository<Validation> {
  /** A page of the organization's validations, newest first, in a stable `(created_at, id)` order. */
  async listInOrganization(
    organizationId: string,
    filter: ValidationFilter,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Validation>> {
    const createdAt: Record<string, Date> = {};
    if (filter.from) createdAt.$gte = filter.from;
    if (filter.to) createdAt.$lt = filter.to;
    const where = {
      organization: organizationId,
      ...(filter.agentId !== undefined && { agentId: filter.agentId }),
      ...(filter.registeredAgentId !== undefined && { registeredAgent: { id: filter.registeredAgentId } }),
      ...(filter.actionType !== undefined && { actionType: filter.actionType }),
      ...(filter.decision !== undefined && { decision: filter.decision }),
      ...(filter.vetoLevel !== undefined && { vetoLevel: filter.vetoLevel }),
      ...(Object.keys(createdAt).length > 0 && { createdAt }),
      ...afterCursor(page.cursor),
    } as FilterQuery<Validation>;
    const rows = await this.find(where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: page.limit + 1,
      populate: ['registeredAgent'],
    });
    return toPage(rows, page.limit);
  }

  /** How many actions of a registered agent were approved without a person (approved, with or without warnings) since `since`. */
  countAutonomousSince(organizationId: string, agentId: string, since: Date): Promise<number> {
    return this.count({
      organization: organizationId,
      registeredAgent: { id: agentId },
      decision: { $in: ['approved', 'approved_with_warnings'] },
      createdAt: { $gte: since },
    });
  }
}
