/** The inbox's validation page: read a validation and its findings, decide one that needs review. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { IdParams } from '../../common/schemas.js';
import { chromeFor } from '../../http/chrome.js';
import { decideFromForm } from '../../http/item-forms.js';
import { QueueService } from '../inbox/queue.service.js';
import { ValidationReviewBody, toValidationDto } from './schemas.js';
import { ValidationService } from './validation.service.js';
import { validationMain, type ValidationPageModel } from './views/validation.js';

/** The decision form posts the API's `ValidationReviewBody`, plus its CSRF token. */
const ReviewForm = Type.Object(
  {
    ...ValidationReviewBody.properties,
    _csrf: Type.Optional(Type.String({ description: 'checked by the session plugin' })),
  },
  { additionalProperties: false },
);
const ItemQuery = Type.Object(
  { notice: Type.Optional(Type.Enum(['decided', 'taken'])) },
  { additionalProperties: false },
);

export const validationsPages: FastifyPluginAsyncTypebox<{ root: string }> = async (
  app,
  { root: prefix },
) => {
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Pick<ValidationPageModel, 'notice' | 'error'>,
    status = 200,
  ) {
    const caller = await request.caller();
    const service = new ValidationService(request.em);
    const entity = await service.get(caller, id);
    const dto = toValidationDto(entity);
    const names = await new QueueService(request.em).names(caller, {
      users: [dto.review?.reviewedById ?? null],
      agents: [],
    });
    const chrome = await chromeFor(request);
    const mayReview = service.mayReview(caller);
    return reply.page(
      {
        title: `Validation: ${dto.actionType}`,
        chrome,
        main: validationMain({
          validation: dto,
          reviewerName: dto.review?.reviewedById ? (names.users.get(dto.review.reviewedById) ?? null) : null,
          mayReview,
          canReview: mayReview && service.awaitsReview(entity),
          csrfToken: chrome.csrfToken,
          selfUrl: `${prefix}/validations/${id}`,
          ...extra,
        }),
      },
      status,
    );
  }

  app.get(
    '/validations/:id',
    { schema: { hide: true, params: IdParams, querystring: ItemQuery } },
    async (request, reply) =>
      render(request, reply, request.params.id, request.query.notice ? { notice: request.query.notice } : {}),
  );

  app.post(
    '/validations/:id/review',
    { schema: { hide: true, params: IdParams, body: ReviewForm } },
    async (request, reply) => {
      const { _csrf: _token, ...input } = request.body;
      return decideFromForm(
        reply,
        { url: `${prefix}/validations/${request.params.id}`, done: 'decided' },
        async () =>
          new ValidationService(request.em).review(await request.caller(), request.params.id, input),
        (error) => render(request, reply, request.params.id, { error: error.message }, error.statusCode),
      );
    },
  );
};
