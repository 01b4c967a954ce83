import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { workItemNotifyTrigger } from '../../db/notify-triggers.js';
import { baseProperties, timestamptz } from '../../common/base.entity.js';
import { Agent } from '../agents/agent.entity.js';
import { ApiKey } from '../identity/api-key.entity.js';
import { User } from '../identity/user.entity.js';
import { ConsultationRequestRepository } from './consultation-request.repository.js';
import { ANSWER_KINDS, REQUEST_PRIORITIES, REQUEST_STATUSES, type RequestStatus } from './enums.js';

/**
 * The inbox's urgency scale (0 urgent .. 3 low) for a request: its priority. Also the expression of
 * `consultation_requests_inbox_urgency_index`, so the queue's "most urgent first" pages walk that index.
 */
export const requestUrgencySql = (alias?: string) =>
  `case ${alias ? `${alias}.` : ''}priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end`;

/** The answer a person gave: one of the options (`choice`) or free text (`text`), with an optional comment. */
export interface RequestResponse {
  choice?: string;
  text?: string;
  comment?: string;
}

/**
 * Seed 001's consultation request: an agent of an organization asks its people a question and waits for
 * one answer. `pending` is the only state that changes (to answered, expired or cancelled), each change
 * guarded by `WHERE status = 'pending'`. Soft delete: a deleted request keeps its row and vanishes from
 * every query unless the `notDeleted` filter is switched off.
 */
export const ConsultationRequestSchema = defineEntity({
  name: 'ConsultationRequest',
  tableName: 'consultation_requests',
  repository: () => ConsultationRequestRepository,
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    /** The agent that asked. Agents are archived, never deleted (an organization's deletion removes both). */
    agent: () => inTenant(p.manyToOne(Agent).ref().nullable().deleteRule('no action'), 'agent_id').index(),
    /** The API key the agent used to ask. */
    apiKey: () => p.manyToOne(ApiKey).ref().nullable().deleteRule('set null'),
    question: p.text(),
    context: p.json<Record<string, unknown>>().columnType('jsonb').defaultRaw(`'{}'`),
    answerKind: p.enum(ANSWER_KINDS).nativeEnumName('consultation_answer_kind').default('choice'),
    /** The allowed answers when `answer_kind = 'choice'` (at least two); empty for free text. */
    options: p.array().columnType('text[]').defaultRaw(`'{}'`),
    priority: p.enum(REQUEST_PRIORITIES).nativeEnumName('consultation_priority').default('normal'),
    status: p.enum(REQUEST_STATUSES).nativeEnumName('consultation_status').default('pending'),
    /** The person the request is routed to (a hint for the inbox; any member may answer). */
    assignee: () =>
      p
        .manyToOne(User)
        .ref()
        .nullable()
        .deleteRule('set null')
        .index('consultation_requests_assignee_id_index'),
    response: p.json<RequestResponse>().columnType('jsonb').nullable(),
    respondedBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null'),
    respondedAt: timestamptz().nullable(),
    /** Where the answer is delivered; else the organization's webhook_url. */
    callbackUrl: p.text().nullable(),
    expiresAt: timestamptz(),
    cancelledAt: timestamptz().nullable(),
    metadata: p.json<Record<string, unknown>>().columnType('jsonb').defaultRaw(`'{}'`),
    deletedAt: timestamptz().nullable(),
  },
  indexes: [
    {
      name: 'consultation_requests_inbox_index',
      properties: ['organization', 'status', 'priority', 'createdAt'],
      where: { deletedAt: null },
    },
    {
      name: 'consultation_requests_expiry_index',
      expression:
        'create index "consultation_requests_expiry_index" on "consultation_requests" ("expires_at") ' +
        `where status = 'pending' and deleted_at is null`,
    },
    // The inbox (src/modules/inbox/queue.repository.ts): waiting requests newest or most urgent first, and
    // closed ones by the time they closed (updated_at: the answer, cancellation or expiry wrote it last).
    {
      name: 'consultation_requests_inbox_waiting_index',
      expression:
        'create index "consultation_requests_inbox_waiting_index" on "consultation_requests" ' +
        `("organization_id", "created_at", "id") where status = 'pending' and deleted_at is null`,
    },
    {
      name: 'consultation_requests_inbox_urgency_index',
      expression:
        'create index "consultation_requests_inbox_urgency_index" on "consultation_requests" ' +
        `("organization_id", (${requestUrgencySql()}), "created_at", "id") ` +
        `where status = 'pending' and deleted_at is null`,
    },
    {
      name: 'consultation_requests_inbox_closed_index',
      expression:
        'create index "consultation_requests_inbox_closed_index" on "consultation_requests" ' +
        `("organization_id", "updated_at", "id") where status <> 'pending' and deleted_at is null`,
    },
  ],
  // Live views (the inbox, MCP's ask_human) wake on src/db/notifications.ts's work-items channel.
  triggers: [workItemNotifyTrigger('consultation_requests', 'request')],
  checks: [
    { name: 'consultation_requests_question_not_empty', expression: 'length(btrim(question)) > 0' },
    {
      name: 'consultation_requests_options_fit_kind',
      expression:
        `(answer_kind = 'choice' and cardinality(options) >= 2) or ` +
        `(answer_kind = 'text' and cardinality(options) = 0)`,
    },
    {
      name: 'consultation_requests_answered_consistent',
      expression: `(status = 'answered') = (response is not null and responded_at is not null)`,
    },
    {
      name: 'consultation_requests_cancelled_consistent',
      expression: `(status = 'cancelled') = (cancelled_at is not null)`,
    },
    { name: 'consultation_requests_expires_after_creation', expression: 'expires_at > created_at' },
  ],
  filters: {
    notDeleted: { name: 'notDeleted', cond: { deletedAt: null }, default: true },
  },
});

export class ConsultationRequest extends ConsultationRequestSchema.class {
  /**
   * Where the request stands at `now`: a pending request past `expires_at` reads `expired`, because nobody can
   * answer it any more (the sweeper writes the status on its next pass).
   */
  effectiveStatus(now: Date = new Date()): RequestStatus {
    return this.status === 'pending' && this.expiresAt.getTime() <= now.getTime() ? 'expired' : this.status;
  }
}
ConsultationRequestSchema.setClass(ConsultationRequest);
