import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { idProperty } from '../../common/base.entity.js';
import { FINDING_SEVERITIES } from './enums.js';
import { Validation } from './validation.entity.js';

/**
 * What one layer of the human layer found about a validated action (seed 000 `findings`). `position`
 * keeps the order the findings were reported in. Tenant-owned like its validation.
 */
export const FindingSchema = defineEntity({
  name: 'Finding',
  tableName: 'findings',
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    validation: () => inTenant(p.manyToOne(Validation).ref().deleteRule('cascade'), 'validation_id'),
    position: p.smallint(),
    layerId: p.string().length(10),
    severity: p.enum(FINDING_SEVERITIES).nativeEnumName('finding_severity'),
    title: p.string().length(255),
    description: p.text(),
  },
  uniques: [{ name: 'findings_validation_id_position_unique', properties: ['validation', 'position'] }],
  indexes: [{ name: 'findings_organization_id_severity_index', properties: ['organization', 'severity'] }],
  checks: [
    { name: 'findings_layer_id_not_blank', expression: `btrim(layer_id) <> ''` },
    { name: 'findings_position_non_negative', expression: 'position >= 0' },
  ],
});

export class Finding extends FindingSchema.class {}
FindingSchema.setClass(Finding);
