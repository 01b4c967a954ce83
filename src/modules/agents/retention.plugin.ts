/**
 * Runs the conversation retention job inside the API process, beside the webhook worker and under the
 * same switch (WEBHOOK_WORKER_ENABLED: default on, off under NODE_ENV=test). It starts when the app is
 * ready and stops, after the batch in progress, before the app closes the ORM.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../../config.js';
import { loggableError } from '../../common/error-mapping.js';
import { ConversationRetentionJob } from './conversation-retention.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The in-process conversation retention job, or null when the worker is disabled. */
    conversationRetention: ConversationRetentionJob | null;
  }
}

const retentionPlugin: FastifyPluginAsync<{ config: AppConfig; orm: MikroORM }> = async (
  app,
  { config, orm },
) => {
  if (!config.webhooks.workerEnabled) {
    app.decorate('conversationRetention', null);
    return;
  }
  const job = new ConversationRetentionJob(orm, {
    settings: config.retention,
    log: (message, details) => app.log.info(details, message),
    // driver errors carry SQL with inlined values: log only what loggableError keeps
    logError: (message, error) => app.log.error({ err: loggableError(error) }, message),
  });
  app.decorate('conversationRetention', job);
  app.addHook('onReady', async () => job.start());
  app.addHook('preClose', async () => job.stop());
};

export default fp(retentionPlugin, {
  name: 'oversight-conversation-retention',
  fastify: '5.x',
  dependencies: ['oversight-orm'],
});
