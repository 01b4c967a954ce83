/**
 * The reviewer's inbox as a use case: the queue of one organization, its pending counts, the names the
 * pages show, and (admins and owners) the history of decisions. People only; the same roles as the API
 * (viewer and up read). Deciding an item stays with its own context's service (ConsultationService.respond,
 * ValidationService.review, WorkflowService.decide).
 */
import type { EntityManager } from '@mikro-orm/core';
import { InvalidInputError } from '../../common/errors.js';
import { isUuid } from '../../common/values.js';
import { Agent } from '../agents/agent.entity.js';
import { permits, requireRole, requireUser, type Caller } from '../identity/access.js';
import { User } from '../identity/user.entity.js';
import { DecisionHistoryRepository, type DecisionEntry } from './history.repository.js';
import { QueueRepository } from './queue.repository.js';
import type { InboxKind, InboxStatus, QueuePage, QueueSort, QueueTab, Urgency } from './queue.types.js';

export const QUEUE_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

export interface QueueInput {
  tab?: QueueTab;
  sort?: QueueSort;
  kind?: InboxKind;
  status?: InboxStatus;
  urgency?: Urgency;
  agentId?: string;
  cursor?: string;
  limit?: number;
}

export class QueueService {
  constructor(private readonly em: EntityManager) {}

  private static guardRead(caller: Caller): void {
    requireUser(caller);
    requireRole(caller, 'viewer');
  }

  private static guardHistory(caller: Caller): void {
    requireUser(caller);
    requireRole(caller, 'admin');
  }

  /** One page of the queue of the caller's organization. */
  async list(caller: Caller, input: QueueInput): Promise<QueuePage> {
    QueueService.guardRead(caller);
    if (input.agentId !== undefined && !isUuid(input.agentId)) {
      throw new InvalidInputError('agent must be an agent id', { field: 'agent' });
    }
    const limit = Math.min(Math.max(input.limit ?? QUEUE_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const tab = input.tab ?? 'pending';
    return new QueueRepository(this.em).page(
      {
        organizationId: caller.organizationId,
        tab,
        sort: input.sort ?? 'newest',
        ...(input.kind ? { kind: input.kind } : {}),
        ...(input.status && (tab === 'decided') === (input.status !== 'pending')
          ? { status: input.status }
          : {}),
        ...(input.urgency ? { urgency: input.urgency } : {}),
        ...(input.agentId ? { agentId: input.agentId } : {}),
      },
      limit,
      input.cursor,
    );
  }

  /** How many items of each kind wait for a decision, and in all. */
  async pendingCounts(caller: Caller): Promise<Record<InboxKind, number> & { total: number }> {
    QueueService.guardRead(caller);
    const counts = await new QueueRepository(this.em).pendingCounts(caller.organizationId);
    return { ...counts, total: counts.request + counts.validation + counts.workflow };
  }

  /** The organization's agents, for the queue's agent filter. */
  async agents(caller: Caller): Promise<{ id: string; name: string }[]> {
    QueueService.guardRead(caller);
    const agents = await this.em.find(
      Agent,
      { organization: caller.organizationId },
      { fields: ['id', 'name'], orderBy: { name: 'asc', id: 'asc' }, limit: 500 },
    );
    return agents.map((a) => ({ id: a.id, name: a.name }));
  }

  /**
   * Display names of people and agents an item of the caller's organization refers to (who asked, who is
   * assigned, who answered). Agents of other organizations are not named.
   */
  async names(
    caller: Caller,
    ids: { users: (string | null)[]; agents: (string | null)[] },
  ): Promise<{ users: Map<string, string>; agents: Map<string, string> }> {
    QueueService.guardRead(caller);
    const userIds = [...new Set(ids.users.filter((id): id is string => !!id))];
    const agentIds = [...new Set(ids.agents.filter((id): id is string => !!id))];
    const [users, agents] = await Promise.all([
      userIds.length
        ? this.em.find(
            User,
            { id: { $in: userIds } },
            { fields: ['id', 'email', 'displayName'], filters: false },
          )
        : [],
      agentIds.length
        ? this.em.find(
            Agent,
            { id: { $in: agentIds }, organization: caller.organizationId },
            { fields: ['id', 'name'] },
          )
        : [],
    ]);
    return {
      users: new Map(users.map((u) => [u.id, u.displayName ?? u.email])),
      agents: new Map(agents.map((a) => [a.id, a.name])),
    };
  }

  /** The history of decisions with who and when (admins and owners). */
  async history(
    caller: Caller,
    input: { cursor?: string; limit?: number },
  ): Promise<{ items: DecisionEntry[]; nextCursor: string | null }> {
    QueueService.guardHistory(caller);
    const limit = Math.min(Math.max(input.limit ?? QUEUE_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    return new DecisionHistoryRepository(this.em).page(caller.organizationId, limit, input.cursor);
  }

  /** Whether the caller may see the history of decisions, without trying. */
  mayReadHistory(caller: Caller): boolean {
    return permits(() => QueueService.guardHistory(caller));
  }
}
