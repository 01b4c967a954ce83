import { defineEntity, p } from '@mikro-orm/core';
import { workItemNotifyTrigger } from '../../db/notify-triggers.js';
import { baseProperties } from '../../common/base.entity.js';
import { Organization } from '../identity/organization.entity.js';
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
    ...baseProperties(),
    organization: () => p.manyToOne(Organization).ref().deleteRule('cascade'),
    packageRequest: () =>
      p
        .oneToOne(PackageRequest)
        .ref()
        .owner()
        .deleteRule('cascade')
        .unique('workflows_package_request_id_unique'),
    status: p.enum(WORKFLOW_STATUSES).nativeEnumName('workflow_status').default('pending'),
    currentStage: p.enum(WORKFLOW_STAGES).nativeEnumName('workflow_stage').default('license_check'),
    checkResults: () => p.oneToMany(CheckResult).mappedBy('workflow'),
  },
  indexes: [{ name: 'workflows_organization_id_status_index', properties: ['organization', 'status'] }],
  // Live views (the inbox, MCP's ask_human) wake on src/db/notifications.ts's work-items channel.
  triggers: [workItemNotifyTrigger('workflows', 'workflow')],
  checks: [
    {
      name: 'workflows_stage_matches_status',
      expression: `(status in ('approved', 'rejected')) = (current_stage = 'completed') and (status = 'needs_review') = (current_stage = 'human_review')`,
    },
  ],
});

export class Workflow extends WorkflowSchema.class {}
WorkflowSchema.setClass(Workflow);
