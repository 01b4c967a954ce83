import { EntityRepository } from '@mikro-orm/core';
import { execute } from '../../db/sql.js';
import type { ConsultationRequest } from './consultation-request.entity.js';
import type { WebhookDelivery } from './webhook-delivery.entity.js';

export class WebhookDeliveryRepository extends EntityRepository<WebhookDelivery> {
  /** Every attempt for a request, oldest event first, then by attempt. */
  listForRequest(request: ConsultationRequest): Promise<WebhookDelivery[]> {
    return this.find(
      { request },
      { orderBy: [{ createdAt: 'asc' }, { eventId: 'asc' }, { attempt: 'asc' }] },
    );
  }

  /**
   * Claims up to `limit` due attempts for one worker in one statement: pending rows whose time has come,
   * and `sending` rows whose lease ran out (their worker died). `FOR UPDATE SKIP LOCKED` lets concurrent
   * workers claim disjoint rows without waiting on each other; the lease then keeps the row theirs.
   */
  async claimDue(workerId: string, limit: number, leaseMs: number): Promise<string[]> {
    const rows = await execute<{ id: string }[]>(
      this.getEntityManager(),
      `update webhook_deliveries
          set status = 'sending', locked_by = ?, locked_until = now() + ? * interval '1 millisecond',
              started_at = now()
        where id in (
          select id from webhook_deliveries
           where (status = 'pending' and next_attempt_at <= now())
              or (status = 'sending' and locked_until < now())
           order by next_attempt_at, id
           limit ?
           for update skip locked)
       returning id`,
      [workerId, leaseMs, limit],
    );
    return rows.map((r) => r.id);
  }
}
