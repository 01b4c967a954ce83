import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { createdAtProperty, idProperty, timestamptz } from '../../common/base.entity.js';
import { ConsultationRequest } from './consultation-request.entity.js';
import { DELIVERY_STATUSES, WEBHOOK_EVENTS } from './enums.js';
import { WebhookDeliveryRepository } from './webhook-delivery.repository.js';

/** The JSON body POSTed to the agent (stored, so every attempt sends the same event). */
export interface WebhookPayload {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/**
 * Seed 001's webhook_deliveries: one row per delivery ATTEMPT, grouped by `event_id` (one event = one
 * state change to tell an agent about). The row written in the same transaction as the state change is
 * attempt 1 with status `pending`: that row is the outbox. A worker claims due rows with
 * `FOR UPDATE SKIP LOCKED`, marks them `sending` with a lease, sends, and records the outcome on the same
 * row; a failure inserts attempt n+1 (`pending`, due after an exponential backoff).
 */
export const WebhookDeliverySchema = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  repository: () => WebhookDeliveryRepository,
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    request: () =>
      inTenant(p.manyToOne(ConsultationRequest).ref().deleteRule('cascade'), 'request_id').index(),
    /** Same for every attempt of one event; sent as `X-Oversight-Delivery` so receivers can deduplicate. */
    eventId: p.uuid(),
    event: p.enum(WEBHOOK_EVENTS).nativeEnumName('webhook_event'),
    attempt: p.integer(),
    status: p.enum(DELIVERY_STATUSES).nativeEnumName('webhook_delivery_status').default('pending'),
    /** The destination chosen when the event was recorded (callback_url, else the organization's). */
    url: p.text().nullable(),
    payload: p.json<WebhookPayload>().columnType('jsonb'),
    httpStatus: p.integer().nullable(),
    durationMs: p.integer().nullable(),
    error: p.text().nullable(),
    /** pending: when it is due; failed: when the next attempt is due; null once final. */
    nextAttemptAt: timestamptz().nullable(),
    /** While `sending`: the claim's lease. A crashed worker's claim is taken over after it. */
    lockedUntil: timestamptz().nullable(),
    lockedBy: p.string().length(100).nullable(),
    startedAt: timestamptz().nullable(),
    finishedAt: timestamptz().nullable(),
    createdAt: createdAtProperty(),
  },
  uniques: [
    {
      name: 'webhook_deliveries_organization_id_event_id_attempt_unique',
      properties: ['organization', 'eventId', 'attempt'],
    },
  ],
  indexes: [
    {
      name: 'webhook_deliveries_due_index',
      expression:
        'create index "webhook_deliveries_due_index" on "webhook_deliveries" ("next_attempt_at") ' +
        `where status in ('pending', 'sending')`,
    },
  ],
  checks: [
    { name: 'webhook_deliveries_attempt_positive', expression: 'attempt >= 1' },
    {
      name: 'webhook_deliveries_schedule_consistent',
      expression:
        `(status in ('pending', 'failed') and next_attempt_at is not null) or ` +
        `(status in ('succeeded', 'abandoned') and next_attempt_at is null) or ` +
        `(status = 'sending' and locked_until is not null)`,
    },
  ],
});

export class WebhookDelivery extends WebhookDeliverySchema.class {}
WebhookDeliverySchema.setClass(WebhookDelivery);
