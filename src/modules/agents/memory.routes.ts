/** HTTP routes of memories: storing, searching, their log and their state at a moment. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import { parseInstant, parseOptionalInstant } from '../../common/values.js';
import {
  MemoryCreate,
  MemoryGetQuery,
  MemoryListQuery,
  MemoryLogDto,
  MemoryPatch,
  MemoryRecord,
  MemorySearchRequest,
  MemorySearchResult,
  MemoryStateDto,
  SimilarQuery,
  StateQuery,
  toMemoryLogDto,
  toMemoryRecord,
  toMemoryStateDto,
  toSearchResult,
} from './memory.schemas.js';
import { MemoryService } from './memory.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);

export const memoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/memories',
    {
      schema: {
        tags: ['memories'],
        summary: 'Store a memory (the embedding is optional)',
        body: MemoryCreate,
        response: { 201: MemoryRecord, ...writes },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...rest } = request.body;
      const memory = await new MemoryService(request.em, app.embedder).create(await request.caller(), {
        ...rest,
        expiresAt: parseOptionalInstant(expiresAt, 'expiresAt') ?? null,
      });
      return reply.status(201).send(toMemoryRecord(memory));
    },
  );

  app.get(
    '/memories',
    {
      schema: {
        tags: ['memories'],
        summary: 'Memories, newest first',
        querystring: MemoryListQuery,
        response: { 200: Type.Array(MemoryRecord), ...reads },
      },
    },
    async (request) => {
      const { includeEmbedding, ...filter } = request.query;
      const memories = await new MemoryService(request.em, app.embedder).list(await request.caller(), filter);
      return memories.map((m) => toMemoryRecord(m, includeEmbedding));
    },
  );

  app.post(
    '/memories/search',
    {
      schema: {
        tags: ['memories'],
        summary:
          'The active memories nearest to a vector (or a text, embedded by the configured provider), best first',
        body: MemorySearchRequest,
        // 502: the embedding provider refused or answered nonsense; 503: it (or the database) is unavailable
        response: { 200: Type.Array(MemorySearchResult), ...reads, ...errorResponses(502) },
      },
    },
    async (request) =>
      (await new MemoryService(request.em, app.embedder).search(await request.caller(), request.body)).map(
        toSearchResult,
      ),
  );

  app.get(
    '/memories/:id',
    {
      schema: {
        tags: ['memories'],
        params: IdParams,
        querystring: MemoryGetQuery,
        response: { 200: MemoryRecord, ...reads },
      },
    },
    async (request) =>
      toMemoryRecord(
        await new MemoryService(request.em, app.embedder).get(await request.caller(), request.params.id),
        request.query.includeEmbedding,
      ),
  );

  app.patch(
    '/memories/:id',
    {
      schema: {
        tags: ['memories'],
        summary: 'Change a memory; every change of content, importance, tier or status is logged',
        params: IdParams,
        body: MemoryPatch,
        response: { 200: MemoryRecord, ...writes },
      },
    },
    async (request) => {
      const { expiresAt, ...rest } = request.body;
      const patch = { ...rest, expiresAt: parseOptionalInstant(expiresAt, 'expiresAt') };
      return toMemoryRecord(
        await new MemoryService(request.em, app.embedder).update(
          await request.caller(),
          request.params.id,
          patch,
        ),
      );
    },
  );

  app.get(
    '/memories/:id/similar',
    {
      schema: {
        tags: ['memories'],
        summary: 'The active memories nearest to this one',
        params: IdParams,
        querystring: SimilarQuery,
        response: { 200: Type.Array(MemorySearchResult), ...reads },
      },
    },
    async (request) =>
      (
        await new MemoryService(request.em, app.embedder).similar(
          await request.caller(),
          request.params.id,
          request.query.k,
        )
      ).map(toSearchResult),
  );

  app.get(
    '/memories/:id/history',
    {
      schema: {
        tags: ['memories'],
        summary: 'The append-only log of a memory, oldest first',
        params: IdParams,
        response: { 200: Type.Array(MemoryLogDto), ...reads },
      },
    },
    async (request) =>
      (
        await new MemoryService(request.em, app.embedder).history(await request.caller(), request.params.id)
      ).map(toMemoryLogDto),
  );

  app.get(
    '/memories/:id/state',
    {
      schema: {
        tags: ['memories'],
        summary: 'What the memory looked like at a moment (reconstruct_memory_at)',
        params: IdParams,
        querystring: StateQuery,
        response: { 200: MemoryStateDto, ...reads },
      },
    },
    async (request) => {
      const at = parseInstant(request.query.at, 'at');
      const state = await new MemoryService(request.em, app.embedder).stateAt(
        await request.caller(),
        request.params.id,
        at,
      );
      return toMemoryStateDto(state, at);
    },
  );
};
