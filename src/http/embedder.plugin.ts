/**
 * The embedding provider of the app (`app.embedder`): built once from the settings (or given by the
 * caller of `buildApp`, e.g. a test), and handed to `MemoryService` by every surface that searches by
 * text, so routes and MCP tools embed the same way.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Embedder } from '../modules/agents/embedder.js';

declare module 'fastify' {
  interface FastifyInstance {
    embedder: Embedder;
  }
}

const embedderPlugin: FastifyPluginAsync<{ embedder: Embedder }> = async (app, { embedder }) => {
  app.decorate('embedder', embedder);
};

export default fp(embedderPlugin, { name: 'oversight-embedder', fastify: '5.x' });
