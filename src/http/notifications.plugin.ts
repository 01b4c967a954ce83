/**
 * `app.notifications`: the process's LISTEN/NOTIFY hub (src/db/notifications.ts), started with the app
 * and closed before the ORM. Pass `notifications` to share one hub between several apps of a process.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { DatabaseTarget } from '../config.js';
import { replicaRouterOf } from '../db/bound-driver.js';
import { CHANNELS, startNotifications, type NotificationHub } from '../db/notifications.js';

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationHub;
  }
}

export interface NotificationsPluginOptions {
  orm: MikroORM;
  database: DatabaseTarget;
}

const notificationsPlugin: FastifyPluginAsync<NotificationsPluginOptions> = async (
  app,
  { orm, database },
) => {
  const hub = await startNotifications(orm, database, { log: (message) => app.log.warn(message) });
  app.decorate('notifications', hub);
  // A notice means a commit somewhere (another instance, the worker, plain SQL): what reacts to it (the
  // inbox's live refresh) re-reads at once, so the read replicas wait until they have replayed it too.
  const replicas = replicaRouterOf(orm);
  if (replicas) {
    for (const channel of Object.values(CHANNELS)) await hub.listen(channel, () => replicas.noteWrite());
  }
  app.addHook('onClose', async () => hub.close());
};

export default fp(notificationsPlugin, {
  name: 'oversight-notifications',
  fastify: '5.x',
  dependencies: ['oversight-orm'],
});
