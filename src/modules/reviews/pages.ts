/** The inbox's request page: read a consultation request, answer it. Same service as the JSON API. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { IdParams } from '../../common/schemas.js';
import { chromeFor } from '../../http/chrome.js';
import { decideFromForm } from '../../http/item-forms.js';
import { QueueService } from '../inbox/queue.service.js';
import { ConsultationService } from './consultation.service.js';
import { RespondBody, toDeliveryDto, toRequestDto } from './schemas.js';
import { requestMain, type RequestPageModel } from './views/request.js';

/** The answer form posts the API's `RespondBody`, plus its CSRF token. */
const AnswerForm = Type.Object(
  {
    ...RespondBody.properties,
    _csrf: Type.Optional(Type.String({ description: 'checked by the session plugin' })),
  },
  { additionalProperties: false },
);
const ItemQuery = Type.Object(
  { notice: Type.Optional(Type.Enum(['answered', 'taken'])) },
  { additionalProperties: false },
);

export const reviewsPages: FastifyPluginAsyncTypebox<{ root: string }> = async (app, { root: prefix }) => {
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Pick<RequestPageModel, 'notice' | 'error' | 'draft'>,
    status = 200,
  ) {
    const caller = await request.caller();
    const service = new ConsultationService(request.em);
    const entity = await service.get(caller, id);
    const dto = toRequestDto(entity);
    const deliveries = (await service.deliveries(caller, id)).map(toDeliveryDto);
    const names = await new QueueService(request.em).names(caller, {
      users: [dto.assigneeId, dto.respondedById],
      agents: [dto.agentId],
    });
    const chrome = await chromeFor(request);
    const mayAnswer = service.mayRespond(caller);
    return reply.page(
      {
        title: `Request: ${dto.question.slice(0, 60)}`,
        chrome,
        main: requestMain({
          request: dto,
          deliveries,
          agentName: dto.agentId ? (names.agents.get(dto.agentId) ?? null) : null,
          assigneeName: dto.assigneeId ? (names.users.get(dto.assigneeId) ?? null) : null,
          respondedByName: dto.respondedById ? (names.users.get(dto.respondedById) ?? null) : null,
          mayAnswer,
          canAnswer: mayAnswer && service.acceptsAnswers(entity),
          csrfToken: chrome.csrfToken,
          selfUrl: `${prefix}/requests/${id}`,
          ...extra,
        }),
      },
      status,
    );
  }

  app.get(
    '/requests/:id',
    { schema: { hide: true, params: IdParams, querystring: ItemQuery } },
    async (request, reply) =>
      render(request, reply, request.params.id, request.query.notice ? { notice: request.query.notice } : {}),
  );

  app.post(
    '/requests/:id/answer',
    { schema: { hide: true, params: IdParams, body: AnswerForm } },
    async (request, reply) => {
      const { _csrf: _token, ...answer } = request.body;
      // Someone else answered first (or it expired, or was withdrawn): `taken`, and the page says who and what.
      return decideFromForm(
        reply,
        { url: `${prefix}/requests/${request.params.id}`, done: 'answered' },
        async () => {
          await new ConsultationService(request.em).respond(
            await request.caller(),
            request.params.id,
            answer,
          );
          request.server.webhookWorker?.nudge(); // the outbox row is committed: deliver it now
        },
        (error) =>
          render(
            request,
            reply,
            request.params.id,
            { error: error.message, draft: answer },
            error.statusCode,
          ),
      );
    },
  );
};
