import { defineEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { MEMORY_STATUSES, MEMORY_TIERS, type MemoryLogAction } from './enums.js';
import { MemoryLogRepository } from './memory-log.repository.js';

/**
 * The append-only history of a memory (seed 004 FR-3.8), written by the database trigger
 * `log_memory_change`, never by the application. `memory_id` has NO foreign key on purpose (EC-6): the
 * history outlives the memory. UPDATE and DELETE on this table are refused by `memory_logs_append_only`.
 */
export const MemoryLogSchema = defineEntity({
  name: 'MemoryLog',
  tableName: 'memory_logs',
  repository: () => MemoryLogRepository,
  properties: {
    /** The tenant, first column of the key like every tenant table's, without a foreign key: the history outlives it. */
    organizationId: p.uuid().primary(),
    id: idProperty(),
    memoryId: p.uuid(),
    action: p.text().$type<MemoryLogAction>(),
    oldContent: p.text().nullable(),
    newContent: p.text().nullable(),
    oldImportance: p.integer().nullable(),
    newImportance: p.integer().nullable(),
    oldTier: p.enum(MEMORY_TIERS).nativeEnumName('memory_tier').nullable(),
    newTier: p.enum(MEMORY_TIERS).nativeEnumName('memory_tier').nullable(),
    oldStatus: p.enum(MEMORY_STATUSES).nativeEnumName('memory_status').nullable(),
    newStatus: p.enum(MEMORY_STATUSES).nativeEnumName('memory_status').nullable(),
    changedBy: p.text().nullable(),
    reason: p.text().nullable(),
    conversationId: p.uuid().nullable(),
    relatedMemoryIds: p.array().columnType('uuid[]').defaultRaw(`'{}'`),
    createdAt: createdAtProperty(),
  },
  indexes: [
    {
      name: 'memory_logs_memory_id_created_at_index',
      properties: ['organizationId', 'memoryId', 'createdAt'],
    },
    { name: 'memory_logs_created_at_index', properties: ['createdAt'] },
  ],
  triggers: [
    {
      name: 'memory_logs_append_only',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      body: `raise exception 'memory_logs is append-only: % refused', tg_op using errcode = 'restrict_violation';`,
    },
  ],
});

export class MemoryLog extends MemoryLogSchema.class {}
MemoryLogSchema.setClass(MemoryLog);
