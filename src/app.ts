/**
 * `buildApp` assembles the HTTP API around an ORM the caller created; `main.ts` starts it.
 * Keeping them apart lets tests build an app on their own database and close it cleanly.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { MikroORM } from '@mikro-orm/core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppConfig } from './config.js';
import authPlugin from './http/auth.plugin.js';
import errorsPlugin from './http/errors.plugin.js';
import { healthRoutes } from './http/health.routes.js';
import mcpPlugin from './http/mcp.plugin.js';
import notificationsPlugin from './http/notifications.plugin.js';
import ormPlugin from './http/orm.plugin.js';
import embedderPlugin from './http/embedder.plugin.js';
import { createEmbedder, type Embedder } from './modules/agents/embedder.js';
import principalsPlugin from './http/principals.plugin.js';
import securityHeadersPlugin from './http/security-headers.plugin.js';
import { requestValidation } from './http/validation.js';
import { agentsRoutes } from './modules/agents/routes.js';
import { agentsMcp } from './modules/agents/tools.js';
import { identityRoutes } from './modules/identity/routes.js';
import { packageRoutes } from './modules/packages/routes.js';
import { packagesMcp } from './modules/packages/tools.js';
import { validationRoutes } from './modules/validations/routes.js';
import { validationsMcp } from './modules/validations/tools.js';
import { reviewsRoutes } from './modules/reviews/routes.js';
import { reviewsMcp } from './modules/reviews/tools.js';
import sessionPlugin from './http/session.plugin.js';
import webPlugin from './http/web.plugin.js';
import { identityPages } from './modules/identity/pages.js';
import { inboxPages } from './modules/inbox/pages.js';
import { packagesPages } from './modules/packages/pages.js';
import { reviewsPages } from './modules/reviews/pages.js';
import { validationsPages } from './modules/validations/pages.js';
import webhookWorkerPlugin from './modules/reviews/worker.plugin.js';
import retentionPlugin from './modules/agents/retention.plugin.js';

/** Where the web inbox lives. */
export const INBOX_PREFIX = '/inbox';

export interface BuildAppOptions {
  config: AppConfig;
  orm: MikroORM;
  /** Fastify logger option; defaults to pino at the configured level with secrets redacted. */
  logger?: FastifyServerOptions['logger'];
  /** The embedding provider; defaults to the one the settings name (`config.embedding`). */
  embedder?: Embedder;
}

/** Header and body paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.key',
  '*.webhookSecret',
  '*.secret',
];

export async function buildApp({ config, orm, logger, embedder }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ?? { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    schemaController: requestValidation(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(securityHeadersPlugin);
  await app.register(errorsPlugin);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Oversight API',
        version: '0.1.0',
        description:
          'AI agents act, humans stay in charge. Authenticate with `Authorization: Bearer <API key>`.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Oversight API key' } },
      },
      security: [{ apiKey: [] }],
    },
  });
  // /docs keeps swagger-ui's own Content-Security-Policy (the hashes of its inline scripts and styles), less
  // `upgrade-insecure-requests`, which would break the page on a plain-HTTP development server.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  await app.register(ormPlugin, { orm });
  await app.register(embedderPlugin, { embedder: embedder ?? createEmbedder(config.embedding) });
  await app.register(notificationsPlugin, { orm, database: config.database });
  await app.register(principalsPlugin);
  await app.register(healthRoutes, { engine: config.database.engine });
  await app.register(
    async (api) => {
      await api.register(authPlugin);
      await api.register(identityRoutes, { config });
      await api.register(agentsRoutes);
      await api.register(validationRoutes);
      await api.register(packageRoutes);
      await api.register(reviewsRoutes, { config });
    },
    { prefix: '/api/v1' },
  );
  // The reviewer's web inbox: pages over the same services, a session cookie instead of an API key.
  await app.register(
    async (inbox) => {
      // `root` (not `prefix`, which Fastify would add again): where links and cookies point.
      const root = INBOX_PREFIX;
      await inbox.register(webPlugin, { root });
      await inbox.register(sessionPlugin);
      await inbox.register(identityPages, { config, root });
      await inbox.register(inboxPages, { root });
      await inbox.register(reviewsPages, { root });
      await inbox.register(validationsPages, { root });
      await inbox.register(packagesPages, { root });
    },
    { prefix: INBOX_PREFIX },
  );
  // The MCP endpoint: the same services behind API-key auth, as tools and resources (docs/mcp.md).
  await app.register(
    async (mcp) => {
      await mcp.register(authPlugin);
      await mcp.register(mcpPlugin, {
        config,
        notifications: app.notifications,
        contributions: [reviewsMcp(config), validationsMcp, agentsMcp, packagesMcp],
      });
    },
    { prefix: '/mcp' },
  );
  await app.register(webhookWorkerPlugin, { config, orm });
  await app.register(retentionPlugin, { config, orm });
  return app;
}
