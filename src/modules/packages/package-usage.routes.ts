/**
 * HTTP routes of package usage. Scoped package names contain a slash. `GET /packages/{name}/{version}/usages`
 * takes the name URL-encoded (`/packages/%40types%2Fms/0.7.34/usages`); `GET
 * /packages/{scope}/{name}/{version}/usages` takes it as two path segments
 * (`/packages/@types/ms/0.7.34/usages`). Both answer the same.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { errorResponses } from '../../common/schemas.js';
import { ScopedUsageParams, UsageParams, UsageReportDto, toUsageReportDto } from './package-usage.schemas.js';
import { PackageUsageService } from './package-usage.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const tags = ['packages'];

export const packageUsageRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
};
