import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { CHECK_STATUSES, CHECK_TYPES } from './enums.js';
import { Workflow } from './workflow.entity.js';

/**
 * One automated check of a workflow (seed 003 `check_results`): LICENSE (computed here) or TRIVY (reported
 * by an external scanner). Append-only history; the latest result of each type counts.
 */
export const CheckResultSchema = defineEntity({
  name: 'CheckResult',
  tableName: 'check_results',
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    workflow: () => inTenant(p.manyToOne(Workflow).ref().deleteRule('cascade'), 'workflow_id'),
    checkType: p.enum(CHECK_TYPES).nativeEnumName('check_type'),
    status: p.enum(CHECK_STATUSES).nativeEnumName('check_status'),
    results: p.json<Record<string, unknown>>().columnType('jsonb').defaultRaw(`'{}'`),
    createdAt: createdAtProperty(),
  },
  indexes: [
    {
      name: 'check_results_workflow_id_check_type_created_at_index',
      properties: ['workflow', 'checkType', 'createdAt'],
    },
  ],
});

export class CheckResult extends CheckResultSchema.class {}
CheckResultSchema.setClass(CheckResult);
