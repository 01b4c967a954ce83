import { defineEntity, p } from '@mikro-orm/core';
import { workItemNotifyTrigger } from '../../db/notify-triggers.js';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { Agent } from '../agents/agent.entity.js';
import { Organization } from '../identity/organization.entity.js';
import { VALIDATION_DECISIONS, VETO_LEVELS } from './enums.js';
import { Finding } from './finding.entity.js';
import { ValidationRepository } from './validation.repository.js';

/**
 * A record of an agent action checked by the human layer (seed 000 `validations`): what the agent wanted
 * to do, what was decided, how hard it was vetoed. Immutable once written (no updated_at).
 *
 * `agent_id` keeps the seed's meaning, the agent's external identifier (any string the reporting side
 * uses); `registered_agent_id` links the Agent when the identifier names one of the organization's agents.
 */
export const ValidationSchema = defineEntity({
  name: 'Validation',
  tableName: 'validations',
  repository: () => ValidationRepository,
  properties: {
    id: idProperty(),
    organization: () => p.manyToOne(Organization).ref().deleteRule('cascade'),
    agentId: p.string().length(255),
    registeredAgent: () =>
      p
        .manyToOne(Agent)
        .ref()
        .nullable()
        .deleteRule('set null')
        .index('validations_registered_agent_id_index'),
    actionType: p.string().length(100),
    actionDescription: p.text(),
    decision: p.enum(VALIDATION_DECISIONS).nativeEnumName('validation_decision'),
    vetoLevel: p.enum(VETO_LEVELS).nativeEnumName('veto_level'),
    createdAt: createdAtProperty(),
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
  ],
});

export class Validation extends ValidationSchema.class {}
ValidationSchema.setClass(Validation);
