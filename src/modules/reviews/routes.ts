/** HTTP routes of the reviews context: consultation requests, their deliveries, the webhook secret. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppConfig } from '../../config.js';
import { errorResponses, IdParams } from '../../common/schemas.js';
import { ConsultationService } from './consultation.service.js';
import {
  DeliveryDto,
  RequestCreate,
  RequestDto,
  RequestListQuery,
  RequestPage,
  RespondBody,
  ShowQuery,
  WebhookSecretBody,
  WebhookSecretStatus,
  toDeliveryDto,
  toRequestDto,
} from './schemas.js';
import { WebhookSecretService } from './webhook-secret.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);
const tags = ['reviews'];

export const reviewsRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  const rules = { defaultTtlSeconds: config.reviews.defaultTtlSeconds, destinations: config.webhooks };

  app.post(
    '/requests',
    {
      schema: {
        tags,
        summary: "Ask the organization's people a question (an agent's API key)",
        description:
          'The answer is delivered to `callbackUrl` (else the organization webhook_url) as a signed webhook ' +
          '(`X-Oversight-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`). Without ' +
          '`expiresAt`/`expiresInSeconds` the request expires after CONSULTATION_DEFAULT_TTL_SECONDS.',
        body: RequestCreate,
        response: { 201: RequestDto, ...writes },
      },
    },
    async (request, reply) => {
      const created = await new ConsultationService(request.em).create(
        await request.caller(),
        request.body,
        rules,
      );
      return reply.status(201).send(toRequestDto(created));
    },
  );

  app.get(
    '/requests',
    {
      schema: {
        tags,
        summary: 'The inbox: most urgent first, then oldest first; cursor-paginated',
        description: 'People see their organization; an agent sees the requests it asked.',
        querystring: RequestListQuery,
        response: { 200: RequestPage, ...reads },
      },
    },
    async (request) => {
      const page = await new ConsultationService(request.em).list(await request.caller(), request.query);
      return { items: page.items.map(toRequestDto), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/requests/:id',
    {
      schema: { tags, params: IdParams, querystring: ShowQuery, response: { 200: RequestDto, ...reads } },
    },
    async (request) =>
      toRequestDto(
        await new ConsultationService(request.em).get(await request.caller(), request.params.id, {
          includeDeleted: request.query.includeDeleted ?? false,
        }),
      ),
  );

  app.post(
    '/requests/:id/respond',
    {
      schema: {
        tags,
        summary: 'Answer a pending request (a person, member or above); exactly one answer wins',
        description:
          '`choice` must be one of the options (choice requests), `text` is the answer of a free-text request. ' +
          '409 when the request is already answered, expired or cancelled.',
        params: IdParams,
        body: RespondBody,
        response: { 200: RequestDto, ...writes },
      },
    },
    async (request) => {
      const answered = await new ConsultationService(request.em).respond(
        await request.caller(),
        request.params.id,
        request.body,
      );
      request.server.webhookWorker?.nudge(); // the outbox row is committed: deliver it now
      return toRequestDto(answered);
    },
  );

  app.post(
    '/requests/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Withdraw a pending request (the agent that asked)',
        params: IdParams,
        response: { 200: RequestDto, ...writes },
      },
    },
    async (request) =>
      toRequestDto(
        await new ConsultationService(request.em).cancel(await request.caller(), request.params.id),
      ),
  );

  app.delete(
    '/requests/:id',
    {
      schema: {
        tags,
        summary:
          'Soft-delete a request (the agent that asked, or an admin/owner); a pending one is cancelled',
        params: IdParams,
        response: { 204: Type.Null(), ...writes },
      },
    },
    async (request, reply) => {
      await new ConsultationService(request.em).softDelete(await request.caller(), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/requests/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'Every webhook delivery attempt for a request',
        params: IdParams,
        response: { 200: Type.Array(DeliveryDto), ...reads },
      },
    },
    async (request) =>
      (await new ConsultationService(request.em).deliveries(await request.caller(), request.params.id)).map(
        toDeliveryDto,
      ),
  );

  app.put(
    '/organizations/:id/webhook-secret',
    {
      schema: {
        tags,
        summary: "Set (or with null, remove) the organization's webhook signing secret (admin or owner)",
        description: 'Stored encrypted (AES-256-GCM); never returned. The answer says whether one is set.',
        params: IdParams,
        body: WebhookSecretBody,
        response: { 200: WebhookSecretStatus, ...writes },
      },
    },
    async (request) => {
      const caller = await request.callerIn(request.params.id);
      const hasWebhookSecret = await new WebhookSecretService(request.em).set(
        caller,
        request.body.secret,
        config.encryption,
      );
      return { organizationId: caller.organizationId, hasWebhookSecret };
    },
  );
};
