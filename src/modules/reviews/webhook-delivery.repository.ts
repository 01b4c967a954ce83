import { EntityRepository } from '@mikro-orm/core';
import { execute } from '../../db/sql.js';
import type { ConsultationRequest } from './consultation-request.entity.js';
import type { WebhookDelivery } from './webhook-delivery.entity.js';

/** A row of a tenant table, as the statements that work across tenants return it. */
export type TenantRow = { organizationId: string; id: string };

/** Due for an attempt: its time has come, or the worker that held it let its lease run out. */
const DUE = `(status = 'pending' and next_attempt_at <= now()) or (status = 'sending' and locked_until < now())`;

export class WebhookDeliveryRepository extends EntityRepository<WebhookDelivery> {
  /** Every attempt for a request, oldest event first, then by attempt. */
  listForRequest(request: ConsultationRequest): Promise<WebhookDelivery[]> {
    return this.find(
      { request },
      { orderBy: [{ createdAt: 'asc' }, { eventId: 'asc' }, { attempt: 'asc' }] },
    );
  }

  /**
   * Claims up to `limit` due attempts for one worker: pending rows whose time has come, and `sending` rows
   * whose lease ran out (their worker died). First the organizations that have such rows (a read across
   * tenants, no lock), then one claim per organization: `FOR UPDATE SKIP LOCKED` lets concurrent workers
   * claim disjoint rows without waiting on each other, and the lease then keeps the row theirs. Per
   * organization because on Citus a locking read must stay on one shard (it plans as one task there); on one
   * server it costs a statement per organization with due rows. The locking read is a CTE, run once: as an
   * `id in (…)` subquery the planner may run it again for every row it updates, and each run skips what
   * the last one locked, claiming more than `limit` rows.
   */
  async claimDue(workerId: string, limit: number, leaseMs: number): Promise<TenantRow[]> {
    const em = this.getEntityManager();
    const tenants = await execute<{ organizationId: string }[]>(
      em,
      `select distinct organization_id as "organizationId" from webhook_deliveries
        where ${DUE} limit ?`,
      [limit],
    );
    const claimed: TenantRow[] = [];
    for (const { organizationId } of tenants) {
      if (claimed.length >= limit) break;
      const rows = await execute<{ id: string }[]>(
        em,
        `with due as materialized (
           select id from webhook_deliveries
            where organization_id = ? and (${DUE})
            order by next_attempt_at, id
            limit ?
            for update skip locked)
         update webhook_deliveries w
            set status = 'sending', locked_by = ?, locked_until = now() + ? * interval '1 millisecond',
                started_at = now()
           from due
          where w.organization_id = ? and w.id = due.id
         returning w.id`,
        [organizationId, limit - claimed.length, workerId, leaseMs, organizationId],
      );
      claimed.push(...rows.map((r) => ({ organizationId, id: r.id })));
    }
    return claimed;
  }
}
