/** HTTP routes of conversations and their messages. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, IdParams } from '../../common/schemas.js';
import {
  ConversationCreate,
  ConversationDto,
  ConversationListQuery,
  ConversationPatch,
  MessageCreate,
  MessageDto,
  MessageFeedback,
  MessagePosted,
  toConversationDto,
  toMessageDto,
} from './conversation.schemas.js';
import { ConversationService } from './conversation.service.js';

const reads = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);

export const conversationRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
};
