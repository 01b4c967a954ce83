/** HTTP routes of workflows: reading one, reporting a scanner's check result, the human decision. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import {
  CheckResultCreate,
  CheckResultCreated,
  DecisionCreate,
  WorkflowDto,
  toCheckResultDto,
  toWorkflowDto,
} from './workflow.schemas.js';
import { WorkflowService } from './workflow.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503);
const tags = ['packages'];

export const workflowRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/workflows/:id',
    { schema: { tags, params: IdParams, response: { 200: WorkflowDto, ...reads } } },
    async (request) =>
      toWorkflowDto(await new WorkflowService(request.em).get(await request.caller(), request.params.id)),
  );

  app.post(
    '/workflows/:id/check-results',
    {
      schema: {
        tags,
        summary: "Report a TRIVY result (an external scanner's agent key, or an admin)",
        params: IdParams,
        body: CheckResultCreate,
        response: { 201: CheckResultCreated, ...writes },
      },
    },
    async (request, reply) => {
      const { view, check } = await new WorkflowService(request.em).recordCheck(
        await request.caller(),
        request.params.id,
        { checkType: 'TRIVY', status: request.body.status, results: request.body.results },
      );
      return reply.status(201).send({ checkResult: toCheckResultDto(check), workflow: toWorkflowDto(view) });
    },
  );

  app.post(
    '/workflows/:id/decision',
    {
      schema: {
        tags,
        summary: 'Approve or reject a workflow that needs review (admin or owner)',
        params: IdParams,
        body: DecisionCreate,
        response: { 200: WorkflowDto, ...writes },
      },
    },
    async (request) =>
      toWorkflowDto(
        await new WorkflowService(request.em).decide(await request.caller(), request.params.id, request.body),
      ),
  );
};
