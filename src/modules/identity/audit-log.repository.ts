import { EntityRepository } from '@mikro-orm/core';
import type { AuditLog } from './audit-log.entity.js';

/** Who did something: a person, an agent, and the key they used. */
export interface Actor {
  userId?: string | null;
  agentId?: string | null;
  apiKeyId?: string | null;
}

export interface AuditEntry {
  organizationId: string | null;
  action: string;
  resourceType: string;
  resourceId: string;
  details?: Record<string, unknown>;
}

/**
 * Append-only: only `record` and reads. The row joins the caller's unit of work, so it is committed
 * (or rolled back) together with the change it describes.
 */
export class AuditLogRepository extends EntityRepository<AuditLog> {
  record(actor: Actor, entry: AuditEntry): AuditLog {
    return this.create({
      organizationId: entry.organizationId,
      userId: actor.userId ?? null,
      agentId: actor.agentId ?? null,
      apiKeyId: actor.apiKeyId ?? null,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId,
      details: entry.details ?? {},
    });
  }

  listForResource(resourceType: string, resourceId: string): Promise<AuditLog[]> {
    return this.find({ resourceType, resourceId }, { orderBy: { timestamp: 'asc', id: 'asc' } });
  }

  listForOrganization(organizationId: string, limit = 100): Promise<AuditLog[]> {
    return this.find({ organizationId }, { orderBy: { timestamp: 'desc', id: 'desc' }, limit });
  }
}
