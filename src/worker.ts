/**
 * The background worker on its own (`npm run worker`), e.g. with WEBHOOK_WORKER_ENABLED=false on the API
 * processes: webhook deliveries and request expiry (src/modules/reviews/webhook.worker.ts) and the
 * conversation retention job (src/modules/agents/conversation-retention.ts). Several may run at once:
 * both take their rows with FOR UPDATE SKIP LOCKED. SIGINT/SIGTERM stop them after the pass in progress.
 *
 * `npm run worker -- --reencrypt-secrets` instead rewrites every webhook secret under the current
 * OVERSIGHT_ENCRYPTION_KEY (key rotation, see docs/reviews.md) and exits.
 */
import { ConfigError, describeDatabase, loadConfig } from './config.js';
import { DomainError } from './common/errors.js';
import { connectOrm } from './db/orm.js';
import { loggableError } from './common/error-mapping.js';
import { reencryptWebhookSecrets } from './modules/reviews/webhook-secret.js';
import { WebhookWorker } from './modules/reviews/webhook.worker.js';
import { ConversationRetentionJob } from './modules/agents/conversation-retention.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await connectOrm(config);
  if (process.argv.includes('--reencrypt-secrets')) {
    const { reencrypted, undecryptable } = await reencryptWebhookSecrets(orm.em.fork(), config.encryption);
    console.warn(
      `oversight-worker: ${reencrypted} webhook secret(s) re-encrypted under key ${config.encryption.current.id}; ` +
        `${undecryptable} could not be decrypted with the configured keys`,
    );
    await orm.close();
    return;
  }
  const worker = new WebhookWorker(orm, {
    settings: config.webhooks,
    keys: config.encryption,
    log: (message, error) =>
      console.error(`oversight-worker: ${message}:`, JSON.stringify(loggableError(error))),
  });
  const retention = new ConversationRetentionJob(orm, {
    settings: config.retention,
    log: (message, details) => console.warn(`oversight-worker: ${message}`, JSON.stringify(details)),
    logError: (message, error) =>
      console.error(`oversight-worker: ${message}:`, JSON.stringify(loggableError(error))),
  });
  const stop = async (signal: string) => {
    console.warn(`oversight-worker: ${signal}: stopping after the current pass`);
    await Promise.all([worker.stop(), retention.stop()]);
    await orm.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  worker.start();
  retention.start();
  console.warn(`oversight-worker ${worker.workerId} on ${describeDatabase(config.database)}`);
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof DomainError;
  console.error(
    `oversight-worker: ${known ? (error as Error).message : 'start-up failed'}`,
    known ? '' : JSON.stringify(loggableError(error)),
  );
  process.exit(1);
});
