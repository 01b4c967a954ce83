/** HTTP routes of the agents context: agents, conversations and messages, memories. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import { ApiKeyCreated, toApiKeyDto } from '../identity/schemas.js';
import { AgentService } from './agent.service.js';
import { ConversationService } from './conversation.service.js';
import { MemoryService } from './memory.service.js';
import {
  AgentCreate,
  AgentDto,
  AgentKeyCreate,
  AgentListQuery,
  AgentPatch,
  ConversationCreate,
  ConversationDto,
  ConversationListQuery,
  ConversationPatch,
  MemoryCreate,
  MemoryGetQuery,
  MemoryListQuery,
  MemoryLogDto,
  MemoryPatch,
  MemoryRecord,
  MemorySearchRequest,
  MemorySearchResult,
  MemoryStateDto,
  MessageCreate,
  MessageDto,
  MessageFeedback,
  MessagePosted,
  SimilarQuery,
  StateQuery,
  toAgentDto,
  toConversationDto,
  toMemoryLogDto,
  toMemoryRecord,
  toMemoryStateDto,
  toMessageDto,
  toSearchResult,
} from './schemas.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);
const date = (value: string | null | undefined) => (value ? new Date(value) : null);

export const agentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Agents -----------------------------------------------------------------------------------------
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
      (await new AgentService(request.em).list(await request.caller(), request.query)).map(toAgentDto),
  );

  app.get(
    '/agents/:id',
    { schema: { tags: ['agents'], params: IdParams, response: { 200: AgentDto, ...reads } } },
    async (request) =>
      toAgentDto(await new AgentService(request.em).get(await request.caller(), request.params.id)),
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
        expiresAt: date(expiresAt),
      });
      return reply.status(201).send({ key: minted.key, apiKey: toApiKeyDto(minted.apiKey) });
    },
  );

  // Conversations and messages ---------------------------------------------------------------------
  app.post(
    '/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Open a conversation with an agent (an agent opens its own)',
        body: ConversationCreate,
        response: { 201: ConversationDto, ...writes },
      },
    },
    async (request, reply) => {
      const c = await new ConversationService(request.em).create(await request.caller(), request.body);
      return reply.status(201).send(toConversationDto(c));
    },
  );

  app.get(
    '/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Conversations, most recently active first (an agent sees its own)',
        querystring: ConversationListQuery,
        response: { 200: Type.Array(ConversationDto), ...reads },
      },
    },
    async (request) =>
      (await new ConversationService(request.em).list(await request.caller(), request.query)).map(
        toConversationDto,
      ),
  );

  app.get(
    '/conversations/:id',
    { schema: { tags: ['conversations'], params: IdParams, response: { 200: ConversationDto, ...reads } } },
    async (request) =>
      toConversationDto(
        await new ConversationService(request.em).get(await request.caller(), request.params.id),
      ),
  );

  app.patch(
    '/conversations/:id',
    {
      schema: {
        tags: ['conversations'],
        params: IdParams,
        body: ConversationPatch,
        response: { 200: ConversationDto, ...writes },
      },
    },
    async (request) =>
      toConversationDto(
        await new ConversationService(request.em).update(
          await request.caller(),
          request.params.id,
          request.body,
        ),
      ),
  );

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: "Add a message; the conversation's counters are updated by the database",
        params: IdParams,
        body: MessageCreate,
        response: { 201: MessagePosted, ...writes },
      },
    },
    async (request, reply) => {
      const { message, conversation } = await new ConversationService(request.em).postMessage(
        await request.caller(),
        request.params.id,
        request.body,
      );
      return reply
        .status(201)
        .send({ message: toMessageDto(message), conversation: toConversationDto(conversation) });
    },
  );

  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        params: IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) }),
        response: { 200: Type.Array(MessageDto), ...reads },
      },
    },
    async (request) =>
      (
        await new ConversationService(request.em).listMessages(
          await request.caller(),
          request.params.id,
          request.query.limit,
        )
      ).map(toMessageDto),
  );

  app.put(
    '/messages/:id/feedback',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Rate a message: positive, negative, or null to clear',
        params: IdParams,
        body: MessageFeedback,
        response: { 200: MessageDto, ...writes },
      },
    },
    async (request) =>
      toMessageDto(
        await new ConversationService(request.em).rateMessage(
          await request.caller(),
          request.params.id,
          request.body,
        ),
      ),
  );

  // Memories ---------------------------------------------------------------------------------------
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
      const memory = await new MemoryService(request.em).create(await request.caller(), {
        ...rest,
        expiresAt: date(expiresAt),
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
      const memories = await new MemoryService(request.em).list(await request.caller(), filter);
      return memories.map((m) => toMemoryRecord(m, includeEmbedding));
    },
  );

  app.post(
    '/memories/search',
    {
      schema: {
        tags: ['memories'],
        summary: 'The active memories nearest to a vector (or a text, with the demo embedder), best first',
        body: MemorySearchRequest,
        response: { 200: Type.Array(MemorySearchResult), ...reads },
      },
    },
    async (request) =>
      (await new MemoryService(request.em).search(await request.caller(), request.body)).map(toSearchResult),
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
        await new MemoryService(request.em).get(await request.caller(), request.params.id),
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
      const patch = expiresAt === undefined ? rest : { ...rest, expiresAt: date(expiresAt) };
      return toMemoryRecord(
        await new MemoryService(request.em).update(await request.caller(), request.params.id, patch),
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
        await new MemoryService(request.em).similar(
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
      (await new MemoryService(request.em).history(await request.caller(), request.params.id)).map(
        toMemoryLogDto,
      ),
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
      const at = new Date(request.query.at);
      const state = await new MemoryService(request.em).stateAt(
        await request.caller(),
        request.params.id,
        at,
      );
      return toMemoryStateDto(state, at);
    },
  );
};
