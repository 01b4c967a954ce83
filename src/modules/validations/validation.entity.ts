import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { workItemNotifyTrigger } from '../../db/notify-triggers.js';
import { createdAtProperty, idProperty, timestamptz } from '../../common/base.entity.js';
import { Agent } from '../agents/agent.entity.js';
import { User } from '../identity/user.entity.js';
import { REVIEW_DECISIONS, VALIDATION_DECISIONS, VETO_LEVELS } from './enums.js';
import { Finding } from './finding.entity.js';
import { ValidationRepository } from './validation.repository.js';

/**
 * How urgent a waiting validation is on the inbox's scale (0 urgent .. 3 low): a medium veto (a person must
 * confirm) is high, anything else normal. Also the expression of `validations_inbox_urgency_index`.
 */
export const validationUrgencySql = (alias?: string) =>
  `case ${alias ? `${alias}.` : ''}veto_level when 'medium' then 1 else 2 end`;

/**
 * A record of an agent action checked by the human layer (seed 000 `validations`): what the agent wanted
 * to do, what was decided, how hard it was vetoed. Immutable once written (no updated_at).
 *
 * `agent_id` keeps the seed's meaning, the agent's external identifier (any string the reporting side
 * uses); `registered_agent_id` links the Agent when the identifier names one of the organization's agents.
 *
 * A `needs_review` validation waits for a person: the `review_*` columns are written once, by the single
 * guarded update that decides it (`ValidationService.review`), and never again.
 */
export const ValidationSchema = defineEntity({
  name: 'Validation',
  tableName: 'validations',
  repository: () => ValidationRepository,
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    agentId: p.string().length(255),
    registeredAgent: () =>
      inTenant(p.manyToOne(Agent).ref().nullable().deleteRule('no action'), 'registered_agent_id').index(),
    actionType: p.string().length(100),
    actionDescription: p.text(),
    decision: p.enum(VALIDATION_DECISIONS).nativeEnumName('validation_decision'),
    vetoLevel: p.enum(VETO_LEVELS).nativeEnumName('veto_level'),
    createdAt: createdAtProperty(),
    /** A person's decision on a `needs_review` validation (null while it waits, and for every other decision). */
    reviewDecision: p.enum(REVIEW_DECISIONS).nativeEnumName('validation_review_decision').nullable(),
    reviewedBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null'),
    reviewedAt: timestamptz().nullable(),
    reviewComment: p.text().nullable(),
    findings: () => p.oneToMany(Finding).mappedBy('validation'),
  },
  indexes: [
    { name: 'validations_organization_id_created_at_index', properties: ['organization', 'createdAt', 'id'] },
    {
      name: 'validations_organization_id_agent_id_created_at_index',
      properties: ['organization', 'agentId', 'createdAt'],
    },
    {
      name: 'validations_organization_id_action_type_created_at_index',
      properties: ['organization', 'actionType', 'createdAt'],
    },
    {
      name: 'validations_organization_id_decision_created_at_index',
      properties: ['organization', 'decision', 'createdAt'],
    },
    // The inbox (src/modules/inbox/queue.repository.ts): waiting validations, newest or most urgent first,
    // and reviewed ones, latest decision first. The urgency expression is the queue's, character for character.
    {
      name: 'validations_inbox_waiting_index',
      expression:
        'create index "validations_inbox_waiting_index" on "validations" ("organization_id", "created_at", "id") ' +
        `where decision = 'needs_review' and reviewed_at is null`,
    },
    {
      name: 'validations_inbox_urgency_index',
      expression:
        'create index "validations_inbox_urgency_index" on "validations" ' +
        `("organization_id", (${validationUrgencySql()}), "created_at", "id") ` +
        `where decision = 'needs_review' and reviewed_at is null`,
    },
    {
      name: 'validations_inbox_reviewed_index',
      expression:
        'create index "validations_inbox_reviewed_index" on "validations" ("organization_id", "reviewed_at", "id") ' +
        'where reviewed_at is not null',
    },
  ],
  // Live views (the inbox, MCP's ask_human) wake on src/db/notifications.ts's work-items channel.
  triggers: [workItemNotifyTrigger('validations', 'validation')],
  checks: [
    { name: 'validations_agent_id_not_blank', expression: `btrim(agent_id) <> ''` },
    { name: 'validations_action_type_not_blank', expression: `btrim(action_type) <> ''` },
    {
      name: 'validations_strong_veto_rejects',
      expression: `veto_level <> 'strong' or decision = 'rejected'`,
    },
    {
      name: 'validations_review_consistent',
      expression:
        `(review_decision is null) = (reviewed_at is null) and ` +
        `(review_decision is null or decision = 'needs_review')`,
    },
  ],
});

export class Validation extends ValidationSchema.class {}
ValidationSchema.setClass(Validation);
