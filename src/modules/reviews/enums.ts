/** Enumerations of the reviews context (seed 001), mirrored by native PostgreSQL enum types. */

/** Where a consultation request stands. Only `pending` can change; the other three are final. */
export const REQUEST_STATUSES = ['pending', 'answered', 'expired', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Declared from lowest to highest: PostgreSQL orders enum values by declaration, so `desc` = most urgent first. */
export const REQUEST_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type RequestPriority = (typeof REQUEST_PRIORITIES)[number];

/** What kind of answer a request accepts: one of its `options`, or free text. */
export const ANSWER_KINDS = ['choice', 'text'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

/** Events an agent is told about through its webhook. */
export const WEBHOOK_EVENTS = ['request.answered', 'request.expired'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * One webhook_deliveries row is one attempt:
 * - `pending`: due at `next_attempt_at`, not tried yet (this row is the outbox entry);
 * - `sending`: claimed by a worker until `locked_until` (a crashed worker's claim expires and is retried);
 * - `succeeded`: the receiver answered 2xx;
 * - `failed`: this attempt failed and attempt n+1 is scheduled at `next_attempt_at`;
 * - `abandoned`: this attempt failed and no other follows (attempts exhausted, or the destination is
 *   missing or refused).
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed', 'abandoned'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
