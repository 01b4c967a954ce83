/**
 * HTTP contracts of the reviews context. Response schemas list every field that may leave the server;
 * webhook secrets are not among them (only whether one is set).
 */
import Type, { type Static } from 'typebox';
import { DateTime, JsonObject, Nullable, PageQuery, Uuid, iso } from '../../common/schemas.js';
import type { ConsultationRequest } from './consultation-request.entity.js';
import {
  ANSWER_KINDS,
  DELIVERY_STATUSES,
  REQUEST_PRIORITIES,
  REQUEST_STATUSES,
  WEBHOOK_EVENTS,
} from './enums.js';
import type { WebhookDelivery } from './webhook-delivery.entity.js';

export const Status = Type.Enum([...REQUEST_STATUSES]);
export const Priority = Type.Enum([...REQUEST_PRIORITIES]);
export const AnswerKind = Type.Enum([...ANSWER_KINDS]);
const JsonOut = Type.Record(Type.String(), Type.Unknown());
const Url = Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' });

export const RequestCreate = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 10_000 }),
    context: Type.Optional(JsonObject()),
    answerKind: Type.Optional(
      Type.Enum([...ANSWER_KINDS], {
        description:
          "'choice' (one of options) or 'text' (free text); default: choice when options are given",
      }),
    ),
    options: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 2,
        maxItems: 50,
        uniqueItems: true,
      }),
    ),
    priority: Type.Optional(Priority),
    assigneeId: Type.Optional(Nullable(Uuid)),
    callbackUrl: Type.Optional(Nullable(Url)),
    expiresAt: Type.Optional(DateTime),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 24 * 3600 })),
    metadata: Type.Optional(JsonObject()),
  },
  { additionalProperties: false },
);
export type RequestCreate = Static<typeof RequestCreate>;

export const RespondBody = Type.Object(
  {
    choice: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'one of the options' })),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000, description: 'free-text answer' })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type RespondBody = Static<typeof RespondBody>;

export const RequestListQuery = Type.Object(
  {
    ...PageQuery.properties,
    status: Type.Optional(Status),
    priority: Type.Optional(Priority),
    agentId: Type.Optional(Uuid),
    assigneeId: Type.Optional(Uuid),
    includeDeleted: Type.Optional(
      Type.Boolean({ default: false, description: 'include soft-deleted requests (admins and owners)' }),
    ),
  },
  { additionalProperties: false },
);

export const ShowQuery = Type.Object(
  { includeDeleted: Type.Optional(Type.Boolean({ default: false })) },
  { additionalProperties: false },
);

export const RequestResponseDto = Type.Object({
  choice: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  comment: Type.Optional(Type.String()),
});

export const RequestDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  agentId: Nullable(Uuid),
  question: Type.String(),
  context: JsonOut,
  answerKind: AnswerKind,
  options: Type.Array(Type.String()),
  priority: Priority,
  status: Status,
  assigneeId: Nullable(Uuid),
  response: Nullable(RequestResponseDto),
  respondedById: Nullable(Uuid),
  respondedAt: Nullable(DateTime),
  callbackUrl: Nullable(Type.String()),
  expiresAt: DateTime,
  cancelledAt: Nullable(DateTime),
  metadata: JsonOut,
  createdAt: DateTime,
  updatedAt: DateTime,
  deletedAt: Nullable(DateTime),
});
export type RequestDto = Static<typeof RequestDto>;

export const toRequestDto = (r: ConsultationRequest): RequestDto => ({
  id: r.id,
  organizationId: r.organization.id,
  agentId: r.agent?.id ?? null,
  question: r.question,
  context: r.context,
  answerKind: r.answerKind,
  options: r.options,
  priority: r.priority,
  status: r.status,
  assigneeId: r.assignee?.id ?? null,
  response: r.response ?? null,
  respondedById: r.respondedBy?.id ?? null,
  respondedAt: iso(r.respondedAt),
  callbackUrl: r.callbackUrl ?? null,
  expiresAt: iso(r.expiresAt)!,
  cancelledAt: iso(r.cancelledAt),
  metadata: r.metadata,
  createdAt: iso(r.createdAt)!,
  updatedAt: iso(r.updatedAt)!,
  deletedAt: iso(r.deletedAt),
});

export const RequestPage = Type.Object({
  items: Type.Array(RequestDto),
  nextCursor: Nullable(
    Type.String({ description: 'pass as `cursor` for the next page; null on the last page' }),
  ),
});

export const DeliveryDto = Type.Object({
  id: Uuid,
  requestId: Uuid,
  eventId: Uuid,
  event: Type.Enum([...WEBHOOK_EVENTS]),
  attempt: Type.Integer(),
  status: Type.Enum([...DELIVERY_STATUSES]),
  url: Nullable(Type.String()),
  httpStatus: Nullable(Type.Integer()),
  durationMs: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  nextAttemptAt: Nullable(DateTime),
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime),
  createdAt: DateTime,
});

export const toDeliveryDto = (d: WebhookDelivery): Static<typeof DeliveryDto> => ({
  id: d.id,
  requestId: d.request.id,
  eventId: d.eventId,
  event: d.event,
  attempt: d.attempt,
  status: d.status,
  url: d.url ?? null,
  httpStatus: d.httpStatus ?? null,
  durationMs: d.durationMs ?? null,
  error: d.error ?? null,
  nextAttemptAt: iso(d.nextAttemptAt),
  startedAt: iso(d.startedAt),
  finishedAt: iso(d.finishedAt),
  createdAt: iso(d.createdAt)!,
});

export const WebhookSecretBody = Type.Object(
  {
    secret: Nullable(
      Type.String({
        minLength: 16,
        maxLength: 256,
        description: 'the shared secret for X-Oversight-Signature (16 to 256 characters); null removes it',
      }),
    ),
  },
  { additionalProperties: false },
);

export const WebhookSecretStatus = Type.Object({
  organizationId: Uuid,
  hasWebhookSecret: Type.Boolean({ description: 'whether a secret is set (it is never shown)' }),
});
