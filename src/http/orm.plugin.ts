/**
 * The MikroORM integration: one forked EntityManager per request.
 *
 * The ORM is passed in through the options (no module singleton). Each request gets `request.em`, a fork
 * with its own identity map, also entered as the RequestContext for code that asks for the global one.
 * The fork is entered in `preHandler`, after the body is parsed, so a POST with a JSON body keeps its
 * context. Nothing is flushed implicitly: handlers flush (one transaction), and a request that fails
 * before flushing writes nothing. The fork is cleared after the response; `app.close()` closes the ORM.
 */
import { RequestContext, type EntityManager, type MikroORM } from '@mikro-orm/core';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    orm: MikroORM;
  }
  interface FastifyRequest {
    em: EntityManager;
  }
}

export interface OrmPluginOptions {
  orm: MikroORM;
  /** Close the ORM when the app closes (default true). */
  closeOnShutdown?: boolean;
}

const ormPlugin: FastifyPluginAsync<OrmPluginOptions> = async (app, { orm, closeOnShutdown = true }) => {
  app.decorate('orm', orm);
  app.decorateRequest('em', null as unknown as EntityManager);

  app.addHook('preHandler', (request, _reply, done) => {
    // RequestContext.create forks orm.em and runs the rest of the request inside that context.
    RequestContext.create(orm.em, () => {
      request.em = RequestContext.getEntityManager()!;
      done();
    });
  });
  app.addHook('onResponse', async (request) => {
    // Drop the fork's identity map as soon as the response is sent.
    request.em?.clear();
  });
  if (closeOnShutdown) {
    app.addHook('onClose', async () => {
      await orm.close();
    });
  }
};

export default fp(ormPlugin, { name: 'oversight-orm', fastify: '5.x' });
