/** HTTP routes of the validations context: agents report validated actions; members read them. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseOptionalInstant } from '../../common/values.js';
import { errorResponses, IdParams } from '../../common/schemas.js';
import {
  ValidationCreate,
  ValidationDto,
  ValidationListQuery,
  ValidationPage,
  ValidationReviewBody,
  toOrganizationTierDto,
  toValidationDto,
  toValidationSummaryDto,
} from './schemas.js';
import { ValidationService } from './validation.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);

export const validationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/validations',
    {
      schema: {
        tags: ['validations'],
        summary: "Record a validated agent action with its findings (an agent's API key)",
        body: ValidationCreate,
        response: { 201: ValidationDto, ...writes },
      },
    },
    async (request, reply) => {
      const validation = await new ValidationService(request.em).record(await request.caller(), request.body);
      return reply.status(201).send(toValidationDto(validation));
    },
  );

  app.get(
    '/validations',
    {
      schema: {
        tags: ['validations'],
        summary: 'Validations of the organization, newest first, filtered and cursor-paginated',
        querystring: ValidationListQuery,
        response: { 200: ValidationPage, ...reads },
      },
    },
    async (request) => {
      const { limit, cursor, from, to, ...filter } = request.query;
      const caller = await request.caller();
      const service = new ValidationService(request.em);
      const page = await service.list(
        caller,
        {
          ...filter,
          from: parseOptionalInstant(from, 'from') ?? undefined,
          to: parseOptionalInstant(to, 'to') ?? undefined,
        },
        { limit, cursor },
      );
      return {
        organization: toOrganizationTierDto(await service.organizationOf(caller)),
        items: page.items.map(toValidationSummaryDto),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post(
    '/validations/:id/review',
    {
      schema: {
        tags: ['validations'],
        summary:
          'Decide a validation that needs review (a person, member or above); exactly one decision wins',
        description: '409 when the validation was already reviewed, or its decision was not needs_review.',
        params: IdParams,
        body: ValidationReviewBody,
        response: { 200: ValidationDto, ...writes },
      },
    },
    async (request) =>
      toValidationDto(
        await new ValidationService(request.em).review(
          await request.caller(),
          request.params.id,
          request.body,
        ),
      ),
  );

  app.get(
    '/validations/:id',
    {
      schema: {
        tags: ['validations'],
        summary: 'One validation with its findings and the organization tier',
        params: IdParams,
        response: { 200: ValidationDto, ...reads },
      },
    },
    async (request) =>
      toValidationDto(await new ValidationService(request.em).get(await request.caller(), request.params.id)),
  );
};
