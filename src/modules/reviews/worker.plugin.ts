/**
 * Runs the webhook/expiry worker inside the API process when WEBHOOK_WORKER_ENABLED (default: on, off
 * under NODE_ENV=test). It starts when the app is ready and stops, waiting for its current pass, before
 * the app closes the ORM.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../../config.js';
import { loggableError } from '../../common/error-mapping.js';
import { WebhookWorker } from './webhook.worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The in-process webhook worker, or null when disabled by configuration. */
    webhookWorker: WebhookWorker | null;
  }
}

const workerPlugin: FastifyPluginAsync<{ config: AppConfig; orm: MikroORM }> = async (
  app,
  { config, orm },
) => {
  if (!config.webhooks.workerEnabled) {
    app.decorate('webhookWorker', null);
    return;
  }
  const worker = new WebhookWorker(orm, {
    settings: config.webhooks,
    keys: config.encryption,
    // driver errors carry SQL with inlined values: log only what loggableError keeps
    log: (message, error) => app.log.error({ err: loggableError(error) }, message),
  });
  app.decorate('webhookWorker', worker);
  app.addHook('onReady', async () => worker.start());
  app.addHook('preClose', async () => worker.stop());
};

export default fp(workerPlugin, {
  name: 'oversight-webhook-worker',
  fastify: '5.x',
  dependencies: ['oversight-orm'],
});
