/** HTTP routes of the organization's license allow-list. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import {
  AllowlistCreateBody,
  AllowlistDto,
  AllowlistPatchBody,
  AllowlistQuery,
  toAllowlistDto,
} from './license-allowlist.schemas.js';
import { LicenseAllowlistService } from './license-allowlist.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503);
const tags = ['packages'];

export const licenseAllowlistRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
