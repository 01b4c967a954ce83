import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { workItemNotifyTrigger } from '../../db/notify-triggers.js';
import { baseProperties, timestamptz } from '../../common/base.entity.js';
import { User } from '../identity/user.entity.js';
import { CheckResult } from './check-result.entity.js';
import { WORKFLOW_STAGES, WORKFLOW_STATUSES } from './enums.js';
import { PackageRequest } from './package-request.entity.js';
import { WorkflowRepository } from './workflow.repository.js';

/** The approval workflow of one package request (seed 003 `workflows`, one per request). */
export const WorkflowSchema = defineEntity({
  name: 'Workflow',
  tableName: 'workflows',
  repository: () => WorkflowRepository,
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    packageRequest: () =>
      inTenant(p.oneToOne(PackageRequest).ref().owner().deleteRule('cascade'), 'package_request_id').unique(
        'workflows_package_request_id_unique',
      ),
    status: p.enum(WORKFLOW_STATUSES).nativeEnumName('workflow_status').default('pending'),
    currentStage: p.enum(WORKFLOW_STAGES).nativeEnumName('workflow_stage').default('license_check'),
    /** The person who approved or rejected it from `needs_review` (null for workflows the checks settled). */
    reviewedBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null'),
    reviewedAt: timestamptz().nullable(),
    reviewReason: p.text().nullable(),
    checkResults: () => p.oneToMany(CheckResult).mappedBy('workflow'),
  },
  indexes: [
    { name: 'workflows_organization_id_status_index', properties: ['organization', 'status'] },
    // The inbox (src/modules/inbox/queue.repository.ts): workflows waiting for a person, and those decided.
    {
      name: 'workflows_inbox_waiting_index',
      expression:
        'create index "workflows_inbox_waiting_index" on "workflows" ("organization_id", "created_at", "id") ' +
        `where status = 'needs_review'`,
    },
    {
      name: 'workflows_inbox_reviewed_index',
      expression:
        'create index "workflows_inbox_reviewed_index" on "workflows" ("organization_id", "reviewed_at", "id") ' +
        'where reviewed_at is not null',
    },
  ],
  // Live views (the inbox, MCP's ask_human) wake on src/db/notifications.ts's work-items channel.
  triggers: [workItemNotifyTrigger('workflows', 'workflow')],
  checks: [
    {
      name: 'workflows_stage_matches_status',
      expression: `(status in ('approved', 'rejected')) = (current_stage = 'completed') and (status = 'needs_review') = (current_stage = 'human_review')`,
    },
    {
      name: 'workflows_review_consistent',
      expression: `reviewed_at is null or status in ('approved', 'rejected')`,
    },
  ],
});

export class Workflow extends WorkflowSchema.class {}
WorkflowSchema.setClass(Workflow);
