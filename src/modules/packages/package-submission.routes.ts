/** HTTP routes of lockfile submissions, their package requests and their LICENSE check. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import {
  LicenseCheckDone,
  LicenseCheckRun,
  LockfileBody,
  RequestListQuery,
  RequestPage,
  SubmissionCreated,
  SubmissionDetail,
  SubmissionListQuery,
  SubmissionPage,
  SubmitQuery,
  toPackageRequestDto,
  toSubmissionDto,
} from './package-submission.schemas.js';
import { PackageSubmissionService } from './package-submission.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503);
const tags = ['packages'];

export const packageSubmissionRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
};
