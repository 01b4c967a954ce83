import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { Memory } from './memory.entity.js';

/** A free-form label on a memory (seed 004 FR-3.9), unique per memory. */
export const MemoryTagSchema = defineEntity({
  name: 'MemoryTag',
  tableName: 'memory_tags',
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    memory: () => inTenant(p.manyToOne(Memory).ref().deleteRule('cascade'), 'memory_id').index(),
    tag: p.text().index('memory_tags_tag_index'),
    createdAt: createdAtProperty(),
  },
  uniques: [{ name: 'memory_tags_memory_id_tag_unique', properties: ['memory', 'tag'] }],
  checks: [{ name: 'memory_tags_tag_not_blank', expression: `length(btrim(tag)) > 0` }],
});

export class MemoryTag extends MemoryTagSchema.class {}
MemoryTagSchema.setClass(MemoryTag);
