/**
 * HTTP routes of the packages context: lockfile submissions, workflows and their checks, package usage and
 * the license allow-list.
 *
 * Scoped package names contain a slash. `GET /packages/{name}/{version}/usages` takes the name URL-encoded
 * (`/packages/%40types%2Fms/0.7.34/usages`); `GET /packages/{scope}/{name}/{version}/usages` takes it as
 * two path segments (`/packages/@types/ms/0.7.34/usages`). Both answer the same.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import { LicenseAllowlistService } from './license-allowlist.service.js';
import { PackageSubmissionService } from './package-submission.service.js';
import { PackageUsageService } from './package-usage.service.js';
import {
  AllowlistCreateBody,
  AllowlistDto,
  AllowlistPatchBody,
  AllowlistQuery,
  CheckResultCreate,
  CheckResultCreated,
  DecisionCreate,
  LicenseCheckDone,
  LicenseCheckRun,
  LockfileBody,
  RequestListQuery,
  RequestPage,
  ScopedUsageParams,
  SubmissionCreated,
  SubmissionDetail,
  SubmissionListQuery,
  SubmissionPage,
  SubmitQuery,
  UsageParams,
  UsageReportDto,
  WorkflowDto,
  toAllowlistDto,
  toCheckResultDto,
  toPackageRequestDto,
  toSubmissionDto,
  toUsageReportDto,
  toWorkflowDto,
} from './schemas.js';
import { WorkflowService } from './workflow.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503);
const tags = ['packages'];

export const packageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Submissions --------------------------------------------------------------------------------------
  app.post(
    '/package-submissions',
    {
      schema: {
        tags,
        summary: 'Submit a package-lock.json: one request and one workflow per distinct name@version',
        querystring: SubmitQuery,
        body: LockfileBody,
        response: { 201: SubmissionCreated, ...writes },
      },
    },
    async (request, reply) => {
      const result = await new PackageSubmissionService(request.em).submit(
        await request.caller(),
        request.body,
        {
          licenseCheck: request.query.licenseCheck,
        },
      );
      return reply.status(201).send({
        ...toSubmissionDto(result.submission),
        counts: {
          packageRequests: result.packageRequests,
          workflows: result.workflows,
          catalogueAdded: result.catalogueAdded,
          license: result.license,
          workflowStatuses: result.workflowStatuses,
        },
      });
    },
  );

  app.get(
    '/package-submissions',
    {
      schema: {
        tags,
        summary: "The organization's submissions, newest first",
        querystring: SubmissionListQuery,
        response: { 200: SubmissionPage, ...reads },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await new PackageSubmissionService(request.em).list(await request.caller(), filter, {
        limit,
        cursor,
      });
      return { items: page.items.map(toSubmissionDto), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/package-submissions/:id',
    {
      schema: { tags, params: IdParams, response: { 200: SubmissionDetail, ...reads } },
    },
    async (request) => {
      const { submission, workflowStatuses } = await new PackageSubmissionService(request.em).get(
        await request.caller(),
        request.params.id,
      );
      return { ...toSubmissionDto(submission), workflowStatuses };
    },
  );

  app.get(
    '/package-submissions/:id/lockfile',
    {
      schema: {
        tags,
        summary: 'The package-lock.json as submitted',
        params: IdParams,
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...reads },
      },
    },
    async (request) =>
      new PackageSubmissionService(request.em).lockfile(await request.caller(), request.params.id),
  );

  app.get(
    '/package-submissions/:id/requests',
    {
      schema: {
        tags,
        summary: "A submission's package requests with their workflows, by name and version",
        params: IdParams,
        querystring: RequestListQuery,
        response: { 200: RequestPage, ...reads },
      },
    },
    async (request) => {
      const { limit, offset, status } = request.query;
      const page = await new PackageSubmissionService(request.em).requests(
        await request.caller(),
        request.params.id,
        { status },
        { limit, offset },
      );
      return { items: page.items.map((r) => toPackageRequestDto(r)), total: page.total };
    },
  );

  app.post(
    '/package-submissions/:id/license-check',
    {
      schema: {
        tags,
        summary: "Run the LICENSE check of the submission's pending workflows (all, or the requests named)",
        params: IdParams,
        body: LicenseCheckRun,
        response: { 200: LicenseCheckDone, ...writes },
      },
    },
    async (request) => {
      const result = await new PackageSubmissionService(request.em).checkLicenses(
        await request.caller(),
        request.params.id,
        request.body.requestIds,
      );
      return { submission: toSubmissionDto(result.submission), license: result.license };
    },
  );

  // Workflows ----------------------------------------------------------------------------------------
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

  // Package usage ------------------------------------------------------------------------------------
  const usages = async (request: FastifyRequest, name: string, version: string) =>
    toUsageReportDto(await new PackageUsageService(request.em).usages(await request.caller(), name, version));

  app.get(
    '/packages/:name/:version/usages',
    {
      schema: {
        tags,
        summary: 'Projects of the organization that use an approved package (scoped names URL-encoded)',
        params: UsageParams,
        response: { 200: UsageReportDto, ...reads },
      },
    },
    async (request) => usages(request, request.params.name, request.params.version),
  );

  app.get(
    '/packages/:scope/:name/:version/usages',
    {
      schema: {
        tags,
        summary:
          'Same, for a scoped package written as two path segments: /packages/@scope/name/1.0.0/usages',
        params: ScopedUsageParams,
        response: { 200: UsageReportDto, ...reads },
      },
    },
    async (request) =>
      usages(request, `${request.params.scope}/${request.params.name}`, request.params.version),
  );

  // License allow-list -------------------------------------------------------------------------------
  app.get(
    '/license-allowlist',
    {
      schema: {
        tags,
        summary: "The organization's license allow-list",
        querystring: AllowlistQuery,
        response: { 200: Type.Array(AllowlistDto), ...reads },
      },
    },
    async (request) =>
      (await new LicenseAllowlistService(request.em).list(await request.caller(), request.query)).map(
        toAllowlistDto,
      ),
  );

  app.post(
    '/license-allowlist',
    {
      schema: {
        tags,
        summary: 'Allow a license (admin or owner)',
        body: AllowlistCreateBody,
        response: { 201: AllowlistDto, ...writes },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          toAllowlistDto(
            await new LicenseAllowlistService(request.em).create(await request.caller(), request.body),
          ),
        ),
  );

  app.patch(
    '/license-allowlist/:id',
    {
      schema: {
        tags,
        summary: 'Rename, describe, activate or deactivate an allowed license (admin or owner)',
        params: IdParams,
        body: AllowlistPatchBody,
        response: { 200: AllowlistDto, ...writes },
      },
    },
    async (request) =>
      toAllowlistDto(
        await new LicenseAllowlistService(request.em).update(
          await request.caller(),
          request.params.id,
          request.body,
        ),
      ),
  );

  app.delete(
    '/license-allowlist/:id',
    {
      schema: {
        tags,
        summary: 'Remove a license from the allow-list (admin or owner)',
        params: IdParams,
        response: { 204: Type.Null(), ...writes },
      },
    },
    async (request, reply) => {
      await new LicenseAllowlistService(request.em).remove(await request.caller(), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
