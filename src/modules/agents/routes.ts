/**
 * HTTP routes of the agents context, one file per aggregate: agent.routes.ts, conversation.routes.ts,
 * memory.routes.ts. This is the one plugin src/app.ts registers.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { agentRoutes } from './agent.routes.js';
import { conversationRoutes } from './conversation.routes.js';
import { memoryRoutes } from './memory.routes.js';

export const agentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(agentRoutes);
  await app.register(conversationRoutes);
  await app.register(memoryRoutes);
};
