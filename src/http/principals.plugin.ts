/**
 * `app.principals`: the process's principal cache and last-used recorder, shared by every surface that
 * authenticates API keys (`/api/v1`, `/mcp`). The cache listens on `oversight_auth`, so a revoked key, a
 * deactivated user, a removed membership or a changed role takes effect on every instance as soon as it
 * commits; stamps still pending are written when the app closes.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { loggableError } from '../common/error-mapping.js';
import { LastUsedRecorder } from '../modules/identity/last-used.js';
import { localChanges, PrincipalCache } from '../modules/identity/principal-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    principals: { cache: PrincipalCache; lastUsed: LastUsedRecorder };
  }
}

const principalsPlugin: FastifyPluginAsync = async (app) => {
  const cache = await PrincipalCache.start(app.notifications);
  const lastUsed = new LastUsedRecorder(app.orm, {
    log: (message, error) => app.log.warn({ err: loggableError(error) }, message),
  });
  app.orm.em.getEventManager().registerSubscriber(localChanges(cache));
  app.decorate('principals', { cache, lastUsed });
  app.addHook('preClose', async () => lastUsed.flush());
};

export default fp(principalsPlugin, {
  name: 'oversight-principals',
  fastify: '5.x',
  dependencies: ['oversight-orm', 'oversight-notifications'],
});
