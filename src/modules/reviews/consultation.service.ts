import { LockMode, type EntityData, type EntityManager } from '@mikro-orm/core';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../common/errors.js';
import { noticeWorkItems } from '../../db/coordinator-notices.js';
import { execute } from '../../db/sql.js';
import {
  actorOf,
  requireAgent,
  requireRole,
  requireUser,
  SYSTEM_ACTOR,
  permits,
  type Caller,
} from '../identity/access.js';
import type { Actor } from '../identity/audit-log.repository.js';
import { AuditLog } from '../identity/audit-log.entity.js';
import { atLeast } from '../identity/enums.js';
import { Membership } from '../identity/membership.entity.js';
import { Organization } from '../identity/organization.entity.js';
import {
  checkAnswer,
  checkCreateInput,
  type CreateRequestInput,
  type CreateRequestRules,
} from './consultation-input.js';
import { ConsultationRequest, type RequestResponse } from './consultation-request.entity.js';
import type { RequestPriority, RequestStatus } from './enums.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';
import { recordWebhookEvent } from './webhook-outbox.js';

export type { CreateRequestInput, CreateRequestRules } from './consultation-input.js';

export interface ListInput {
  limit: number;
  cursor?: string;
  status?: RequestStatus;
  priority?: RequestPriority;
  agentId?: string;
  assigneeId?: string;
  includeDeleted?: boolean;
}

/** Consultation requests: agents ask, people answer, the answer goes back to the agent. */
export class ConsultationService {
  constructor(private readonly em: EntityManager) {}

  private audit(
    actor: Actor,
    request: ConsultationRequest,
    action: string,
    details: Record<string, unknown>,
    em: EntityManager = this.em,
  ) {
    em.getRepository(AuditLog).record(actor, {
      organizationId: request.organization.id,
      action,
      resourceType: 'consultation_request',
      resourceId: request.id,
      details,
    });
  }

  /** An agent asks its organization a question. */
  async create(
    caller: Caller,
    input: CreateRequestInput,
    rules: CreateRequestRules,
  ): Promise<ConsultationRequest> {
    requireAgent(caller);
    requireRole(caller, 'member');
    const { answerKind, options, expiresAt } = checkCreateInput(input, rules);
    if (input.assigneeId) {
      const member = await this.em.getRepository(Membership).findFor(input.assigneeId, caller.organizationId);
      if (!member) {
        throw new InvalidInputError('assignee is not a member of this organization', { field: 'assigneeId' });
      }
    }
    const request = this.em.create(ConsultationRequest, {
      organization: this.em.getReference(Organization, caller.organizationId),
      agent: caller.agentId ? [caller.organizationId, caller.agentId] : null,
      apiKey: caller.apiKeyId,
      question: input.question,
      context: input.context ?? {},
      answerKind,
      options,
      priority: input.priority ?? 'normal',
      status: 'pending',
      assignee: input.assigneeId ?? null,
      callbackUrl: input.callbackUrl ?? null,
      expiresAt,
      metadata: input.metadata ?? {},
    });
    this.audit(actorOf(caller), request, 'consultation_request.created', {
      after: { priority: request.priority, answerKind, expiresAt: expiresAt.toISOString() },
    });
    await this.em.flush();
    return request;
  }

  /** A request the caller may see: in its organization and, for an agent, one it asked itself. */
  async get(caller: Caller, id: string, { includeDeleted = false } = {}): Promise<ConsultationRequest> {
    requireRole(caller, 'viewer');
    if (includeDeleted) this.requireSeesDeleted(caller);
    const request = await this.em.findOne(
      ConsultationRequest,
      {
        id,
        organization: caller.organizationId,
        ...(caller.kind === 'agent' ? { agent: { id: caller.agentId! } } : {}),
      },
      includeDeleted ? { filters: { notDeleted: false } } : {},
    );
    if (!request) throw new NotFoundError('ConsultationRequest', id);
    return request;
  }

  /** The inbox: people see their organization's requests; an agent sees the ones it asked. */
  async list(caller: Caller, input: ListInput) {
    requireRole(caller, 'viewer');
    if (input.includeDeleted) this.requireSeesDeleted(caller);
    const agentId = caller.kind === 'agent' ? caller.agentId! : input.agentId;
    if (caller.kind === 'agent' && input.agentId && input.agentId !== caller.agentId) {
      return { items: [], nextCursor: null };
    }
    return this.em.getRepository(ConsultationRequest).listPage({
      organizationId: caller.organizationId,
      limit: input.limit,
      ...(input.cursor ? { cursor: input.cursor } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
      ...(agentId ? { agentId } : {}),
      ...(input.assigneeId ? { assigneeId: input.assigneeId } : {}),
      includeDeleted: input.includeDeleted ?? false,
    });
  }

  private requireSeesDeleted(caller: Caller) {
    if (caller.kind !== 'user' || !atLeast(caller.role, 'admin')) {
      throw new ForbiddenError('only admins and owners see deleted requests');
    }
  }

  /** Why a guarded update found nothing: the request's state, read on `em` (the transaction, if any). */
  private async conflictFor(em: EntityManager, id: string, organizationId: string): Promise<ConflictError> {
    const rows = await execute<{ status: RequestStatus; expired: boolean }[]>(
      em,
      'select status, expires_at <= now() as expired from consultation_requests where id = ? and organization_id = ?',
      [id, organizationId],
    );
    const row = rows[0];
    const status = row?.status === 'pending' && row.expired ? 'expired' : (row?.status ?? 'deleted');
    return new ConflictError(`this request is ${status}: it can no longer change`, { status });
  }

  /**
   * The guarded change of a request that is still open (pending, not deleted, not past expires_at): one
   * conditional UPDATE on `em` (a transaction), or the 409 that says why the request can no longer change.
   */
  private async changePending(
    em: EntityManager,
    organizationId: string,
    id: string,
    now: Date,
    changes: EntityData<ConsultationRequest>,
  ): Promise<void> {
    const changed = await em.nativeUpdate(
      ConsultationRequest,
      { id, organization: organizationId, status: 'pending', deletedAt: null, expiresAt: { $gt: now } },
      changes,
    );
    if (changed !== 1) throw await this.conflictFor(em, id, organizationId);
    await noticeWorkItems(em, 'request', [{ organizationId, id }]);
  }

  /**
   * A person (member or above) answers. Exactly one answer wins: the change is one conditional UPDATE
   * (`... where status = 'pending' and expires_at > now()`); concurrent responders queue on the row lock,
   * re-check the condition after the winner commits and find nothing to update (409). The webhook outbox
   * row and the audit entry commit in the same transaction.
   */
  async respond(caller: Caller, id: string, answer: RequestResponse): Promise<ConsultationRequest> {
    ConsultationService.guardRespond(caller);
    const current = await this.get(caller, id);
    checkAnswer(current, answer);
    if (current.status !== 'pending') throw await this.conflictFor(this.em, id, caller.organizationId);
    const response: RequestResponse = {
      ...(answer.choice !== undefined ? { choice: answer.choice } : {}),
      ...(answer.text !== undefined ? { text: answer.text } : {}),
      ...(answer.comment ? { comment: answer.comment } : {}),
    };
    return this.em.transactional(async (tem) => {
      const now = new Date();
      await this.changePending(tem, caller.organizationId, id, now, {
        status: 'answered',
        response,
        respondedBy: caller.userId,
        respondedAt: now,
        updatedAt: now,
      });
      const request = await tem.findOneOrFail(
        ConsultationRequest,
        { id, organization: caller.organizationId },
        { populate: ['organization'], refresh: true },
      );
      recordWebhookEvent(tem, request, 'request.answered', request.organization.getEntity().webhookUrl);
      tem.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'consultation_request.answered',
        resourceType: 'consultation_request',
        resourceId: id,
        details: { before: { status: 'pending' }, after: { status: 'answered', response } },
      });
      return request;
    });
  }

  /** Who may answer: a person, member or above (the check `respond` makes). */
  private static guardRespond(caller: Caller): void {
    requireUser(caller);
    requireRole(caller, 'member');
  }

  /** Whether the request still takes an answer: pending, not deleted, not past its expiry. */
  acceptsAnswers(request: ConsultationRequest, now = new Date()): boolean {
    return request.status === 'pending' && !request.deletedAt && request.expiresAt.getTime() > now.getTime();
  }

  /** Whether the caller may answer requests, without trying. */
  mayRespond(caller: Caller): boolean {
    return permits(() => ConsultationService.guardRespond(caller));
  }

  /**
   * The asking agent withdraws its pending request, before it expires. Like `respond`, one conditional
   * UPDATE in a transaction that also holds the audit entry: both commit, or neither.
   */
  async cancel(caller: Caller, id: string): Promise<ConsultationRequest> {
    requireAgent(caller);
    requireRole(caller, 'member');
    await this.get(caller, id);
    return this.em.transactional(async (tem) => {
      const now = new Date();
      await this.changePending(tem, caller.organizationId, id, now, {
        status: 'cancelled',
        cancelledAt: now,
        updatedAt: now,
      });
      const request = await tem.findOneOrFail(
        ConsultationRequest,
        { id, organization: caller.organizationId },
        { refresh: true },
      );
      this.audit(
        actorOf(caller),
        request,
        'consultation_request.cancelled',
        { before: { status: 'pending' }, after: { status: 'cancelled' } },
        tem,
      );
      return request;
    });
  }

  /**
   * Soft delete by the asking agent or an admin/owner: the row stays (with its deliveries) and vanishes
   * from every query. A pending request is cancelled as well, so nobody answers a deleted question.
   * The row is locked and read again inside the transaction, so a concurrent answer, cancellation or expiry
   * is seen (not overwritten as 'cancelled'); the change and its audit entry commit together.
   */
  async softDelete(caller: Caller, id: string): Promise<void> {
    if (caller.kind === 'user') requireRole(caller, 'admin');
    else requireRole(caller, 'member');
    await this.get(caller, id);
    await this.em.transactional(async (tem) => {
      const request = await tem.findOne(
        ConsultationRequest,
        { id, organization: caller.organizationId },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (!request) throw new NotFoundError('ConsultationRequest', id);
      const now = new Date();
      const wasPending = request.status === 'pending';
      await tem.nativeUpdate(
        ConsultationRequest,
        { id, organization: caller.organizationId },
        wasPending
          ? { deletedAt: now, status: 'cancelled', cancelledAt: now, updatedAt: now }
          : { deletedAt: now, updatedAt: now },
      );
      await noticeWorkItems(tem, 'request', [{ organizationId: caller.organizationId, id }]);
      this.audit(
        actorOf(caller),
        request,
        'consultation_request.deleted',
        {
          before: { status: request.status },
          after: { status: wasPending ? 'cancelled' : request.status, deletedAt: now.toISOString() },
        },
        tem,
      );
    });
  }

  /**
   * The sweeper: pending requests past expires_at become expired, each with its webhook event and audit
   * entry in the same transaction. First the organizations that have such requests (a read across tenants,
   * no lock), then one transaction per organization: SKIP LOCKED lets several workers sweep at once without
   * overlap, and on Citus a locking statement must stay on one tenant's shard.
   */
  async expireDue(limit = 100): Promise<number> {
    const tenants = await execute<{ organizationId: string }[]>(
      this.em,
      `select distinct organization_id as "organizationId" from consultation_requests
        where status = 'pending' and deleted_at is null and expires_at <= now() limit ?`,
      [limit],
    );
    let expired = 0;
    for (const { organizationId } of tenants) {
      if (expired >= limit) break;
      expired += await this.expireDueIn(organizationId, limit - expired);
    }
    return expired;
  }

  private expireDueIn(organizationId: string, limit: number): Promise<number> {
    return this.em.transactional(async (tem) => {
      const rows = await execute<{ id: string }[]>(
        tem,
        `with due as materialized (
           select id from consultation_requests
            where organization_id = ? and status = 'pending' and deleted_at is null and expires_at <= now()
            order by expires_at limit ? for update skip locked)
         update consultation_requests r set status = 'expired', updated_at = now()
           from due
          where r.organization_id = ? and r.id = due.id
         returning r.id`,
        [organizationId, limit, organizationId],
      );
      if (rows.length === 0) return 0;
      const requests = await tem.find(
        ConsultationRequest,
        { organization: organizationId, id: { $in: rows.map((r) => r.id) } },
        { populate: ['organization'], refresh: true },
      );
      for (const request of requests) {
        recordWebhookEvent(tem, request, 'request.expired', request.organization.getEntity().webhookUrl);
        tem.getRepository(AuditLog).record(SYSTEM_ACTOR, {
          organizationId,
          action: 'consultation_request.expired',
          resourceType: 'consultation_request',
          resourceId: request.id,
          details: { before: { status: 'pending' }, after: { status: 'expired' } },
        });
      }
      await noticeWorkItems(
        tem,
        'request',
        requests.map((r) => ({ organizationId, id: r.id })),
      );
      return requests.length;
    });
  }

  /** Every delivery attempt for a request the caller may see. */
  async deliveries(caller: Caller, id: string): Promise<WebhookDelivery[]> {
    const request = await this.get(caller, id);
    return this.em.getRepository(WebhookDelivery).listForRequest(request);
  }
}
