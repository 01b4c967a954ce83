/**
 * The webhook outbox: the row a state change writes so that webhook.worker.ts delivers the event later.
 * The payload is the outbound webhook's body, so it uses the HTTP contract's `toRequestDto`: the webhook is
 * itself a surface, and the service no longer depends on the contract.
 */
import type { EntityManager } from '@mikro-orm/core';
import { newId } from '../../common/base.entity.js';
import type { ConsultationRequest } from './consultation-request.entity.js';
import type { WebhookEvent } from './enums.js';
import { toRequestDto } from './schemas.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

/**
 * The outbox write: attempt 1 of a new event, `pending` and due now, in the caller's unit of work, so it
 * commits (or rolls back) together with the state change it reports.
 */
export function recordWebhookEvent(
  em: EntityManager,
  request: ConsultationRequest,
  event: WebhookEvent,
  organizationWebhookUrl: string | null | undefined,
): WebhookDelivery {
  const eventId = newId();
  const now = new Date();
  return em.create(WebhookDelivery, {
    organization: request.organization,
    request,
    eventId,
    event,
    attempt: 1,
    status: 'pending',
    url: request.callbackUrl ?? organizationWebhookUrl ?? null,
    payload: {
      id: eventId,
      type: event,
      createdAt: now.toISOString(),
      data: { request: toRequestDto(request) },
    },
    nextAttemptAt: now,
  });
}
