/**
 * The conversation retention job (seed 004 `conversation_retention_days`): an organization that sets it
 * keeps a conversation that many days after its last activity (last message, else creation); older ones
 * are deleted with their messages. It runs in the background worker (`npm run worker`, and inside the
 * API process unless WEBHOOK_WORKER_ENABLED=false): a pass every CONVERSATION_RETENTION_INTERVAL_MS,
 * deleting in batches of CONVERSATION_RETENTION_BATCH_SIZE, each batch its own short transaction. It logs
 * what it deleted as counts per organization id, never a title or a message.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { RetentionSettings } from '../../config.js';
import { Organization } from '../identity/organization.entity.js';
import { Conversation } from './conversation.entity.js';

export interface RetentionResult {
  organizationId: string;
  retentionDays: number;
  /** Conversations deleted in this pass (their messages went with them). */
  deleted: number;
  batches: number;
}

export interface RetentionOptions {
  settings: RetentionSettings;
  /** What a pass did (only when it deleted something): a message and counts, never content. */
  log: (message: string, details: Record<string, unknown>) => void;
  /** A pass that failed (it is tried again at the next interval). */
  logError: (message: string, error: unknown) => void;
}

export class ConversationRetentionJob {
  private running = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly options: RetentionOptions,
  ) {}

  /** Runs a pass now, then one every `intervalMs`, until `stop()`. Calling it twice does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.current = this.runOnce().catch((error) =>
      this.options.logError('conversation retention pass failed', error),
    );
    await this.current;
    this.current = undefined;
    if (this.running) this.schedule(this.options.settings.intervalMs);
  }

  /** Stops scheduling and waits for the pass in progress, which ends after its current batch. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** One pass over every organization with a retention period. */
  async runOnce(): Promise<RetentionResult[]> {
    const { batchSize } = this.options.settings;
    // Filters off: the owner's soft-delete filter would join users and could hide an organization.
    const organizations = await this.orm.em
      .fork()
      .find(
        Organization,
        { conversationRetentionDays: { $ne: null } },
        { fields: ['id', 'conversationRetentionDays'], filters: false, orderBy: { id: 'asc' } },
      );
    const results: RetentionResult[] = [];
    for (const organization of organizations) {
      const retentionDays = organization.conversationRetentionDays!;
      const result = { organizationId: organization.id, retentionDays, deleted: 0, batches: 0 };
      let deleted: number;
      do {
        deleted = await this.orm.em
          .fork()
          .getRepository(Conversation)
          .deleteInactive(organization.id, retentionDays, batchSize);
        result.deleted += deleted;
        result.batches++;
      } while (deleted === batchSize && !this.stopping);
      if (result.deleted > 0) {
        this.options.log('conversation retention: deleted old conversations', { ...result });
        results.push(result);
      }
    }
    return results;
  }
}
