/** HTTP routes of agents: their DNA, archiving, and their API keys. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import { parseOptionalInstant } from '../../common/values.js';
import { ApiKeyCreated, toApiKeyDto } from '../identity/schemas.js';
import {
  AgentCreate,
  AgentDto,
  AgentKeyCreate,
  AgentListQuery,
  AgentPatch,
  toAgentDto,
} from './agent.schemas.js';
import { AgentService } from './agent.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);

export const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        summary: 'Create an agent (admin or owner); unspecified DNA gets its defaults',
        body: AgentCreate,
        response: { 201: AgentDto, ...writes },
      },
    },
    async (request, reply) => {
      const agent = await new AgentService(request.em).create(await request.caller(), request.body);
      return reply.status(201).send(toAgentDto(agent));
    },
  );

  app.get(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        summary: "Agents of the caller's organization",
        querystring: AgentListQuery,
        response: { 200: Type.Array(AgentDto), ...reads },
      },
    },
    async (request) =>
      (await new AgentService(request.em).listViews(await request.caller(), request.query)).map(toAgentDto),
  );

  app.get(
    '/agents/:id',
    { schema: { tags: ['agents'], params: IdParams, response: { 200: AgentDto, ...reads } } },
    async (request) =>
      toAgentDto(await new AgentService(request.em).view(await request.caller(), request.params.id)),
  );

  app.patch(
    '/agents/:id',
    {
      schema: {
        tags: ['agents'],
        summary: 'Change an agent (admin or owner); DNA parts are merged into the stored ones',
        params: IdParams,
        body: AgentPatch,
        response: { 200: AgentDto, ...writes },
      },
    },
    async (request) =>
      toAgentDto(
        await new AgentService(request.em).update(await request.caller(), request.params.id, request.body),
      ),
  );

  app.post(
    '/agents/:id/archive',
    {
      schema: {
        tags: ['agents'],
        summary: 'Archive an agent (admin or owner): it keeps its history, its keys stop working',
        params: IdParams,
        response: { 200: AgentDto, ...writes },
      },
    },
    async (request) =>
      toAgentDto(await new AgentService(request.em).archive(await request.caller(), request.params.id)),
  );

  app.post(
    '/agents/:id/api-keys',
    {
      schema: {
        tags: ['agents'],
        summary: "Mint an agent's API key (admin or owner); the key is shown once",
        params: IdParams,
        body: AgentKeyCreate,
        response: { 201: ApiKeyCreated, ...writes },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...rest } = request.body;
      const minted = await new AgentService(request.em).mintKey(await request.caller(), request.params.id, {
        ...rest,
        expiresAt: parseOptionalInstant(expiresAt, 'expiresAt') ?? null,
      });
      return reply.status(201).send({ key: minted.key, apiKey: toApiKeyDto(minted.apiKey) });
    },
  );
};
