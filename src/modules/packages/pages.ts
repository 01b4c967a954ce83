/** The inbox's package page: a workflow with its license and vulnerability checks; approve or reject it. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { IdParams } from '../../common/schemas.js';
import { chromeFor } from '../../http/chrome.js';
import { decideFromForm } from '../../http/item-forms.js';
import { QueueService } from '../inbox/queue.service.js';
import { PackageSubmissionService } from './package-submission.service.js';
import { DecisionCreate, toSubmissionDto, toWorkflowDto } from './schemas.js';
import { WorkflowService } from './workflow.service.js';
import { workflowMain, type WorkflowPageModel } from './views/workflow.js';

/** The decision form posts the API's `DecisionCreate`, plus its CSRF token. */
const DecisionForm = Type.Object(
  {
    ...DecisionCreate.properties,
    _csrf: Type.Optional(Type.String({ description: 'checked by the session plugin' })),
  },
  { additionalProperties: false },
);
const ItemQuery = Type.Object(
  { notice: Type.Optional(Type.Enum(['decided', 'taken'])) },
  { additionalProperties: false },
);

export const packagesPages: FastifyPluginAsyncTypebox<{ root: string }> = async (app, { root: prefix }) => {
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Pick<WorkflowPageModel, 'notice' | 'error'>,
    status = 200,
  ) {
    const caller = await request.caller();
    const service = new WorkflowService(request.em);
    const view = await service.get(caller, id);
    const workflow = toWorkflowDto(view);
    const { submission } = await new PackageSubmissionService(request.em).get(
      caller,
      workflow.packageRequest.submissionId,
    );
    const submissionDto = toSubmissionDto(submission);
    const names = await new QueueService(request.em).names(caller, {
      users: [submissionDto.userId, workflow.review?.reviewedById ?? null],
      agents: [submissionDto.agentId],
    });
    const chrome = await chromeFor(request);
    const mayDecide = service.mayDecide(caller);
    const submitter = submissionDto.agentId
      ? names.agents.get(submissionDto.agentId)
      : submissionDto.userId
        ? names.users.get(submissionDto.userId)
        : undefined;
    return reply.page(
      {
        title: `Package: ${workflow.packageRequest.packageName}`,
        chrome,
        main: workflowMain({
          workflow,
          submission: submissionDto,
          submitterName: submitter ?? null,
          reviewerName: workflow.review?.reviewedById
            ? (names.users.get(workflow.review.reviewedById) ?? null)
            : null,
          mayDecide,
          canDecide: mayDecide && service.awaitsDecision(view.workflow),
          csrfToken: chrome.csrfToken,
          selfUrl: `${prefix}/workflows/${id}`,
          ...extra,
        }),
      },
      status,
    );
  }

  app.get(
    '/workflows/:id',
    { schema: { hide: true, params: IdParams, querystring: ItemQuery } },
    async (request, reply) =>
      render(request, reply, request.params.id, request.query.notice ? { notice: request.query.notice } : {}),
  );

  app.post(
    '/workflows/:id/decision',
    { schema: { hide: true, params: IdParams, body: DecisionForm } },
    async (request, reply) => {
      const { _csrf: _token, ...input } = request.body;
      return decideFromForm(
        reply,
        { url: `${prefix}/workflows/${request.params.id}`, done: 'decided' },
        async () => new WorkflowService(request.em).decide(await request.caller(), request.params.id, input),
        (error) => render(request, reply, request.params.id, { error: error.message }, error.statusCode),
      );
    },
  );
};
