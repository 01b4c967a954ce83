import { defineEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { AuditLogRepository } from './audit-log.repository.js';

/**
 * Seed 003's audit trail, written by every context for state changes. Append-only: a database trigger
 * refuses UPDATE and DELETE. Actor and organization are plain ids (no foreign key) so the trail
 * outlives what it describes.
 */
export const AuditLogSchema = defineEntity({
  name: 'AuditLog',
  tableName: 'audit_logs',
  repository: () => AuditLogRepository,
  properties: {
    id: idProperty(),
    organizationId: p.uuid().nullable(),
    userId: p.uuid().nullable(),
    agentId: p.uuid().nullable(),
    apiKeyId: p.uuid().nullable(),
    action: p.string().length(100),
    resourceType: p.string().length(100),
    resourceId: p.string().length(255),
    details: p.json<Record<string, unknown>>().columnType('jsonb').defaultRaw(`'{}'`),
    timestamp: createdAtProperty(),
  },
  triggers: [
    {
      name: 'audit_logs_append_only',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      body: `raise exception 'audit_logs is append-only: % refused', tg_op using errcode = 'restrict_violation';`,
    },
  ],
  indexes: [
    { name: 'audit_logs_organization_id_timestamp_index', properties: ['organizationId', 'timestamp'] },
    { name: 'audit_logs_resource_index', properties: ['resourceType', 'resourceId'] },
    { name: 'audit_logs_user_id_index', properties: ['userId'] },
  ],
});

export class AuditLog extends AuditLogSchema.class {}
AuditLogSchema.setClass(AuditLog);
