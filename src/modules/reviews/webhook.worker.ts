/**
 * The worker: sweeps expired requests and delivers due webhook attempts.
 *
 * A pass: (1) expire due requests (their outbox rows are written in the same transaction); (2) claim due
 * attempts with `FOR UPDATE SKIP LOCKED` and a lease; (3) send each (decrypting the organization's secret
 * only to sign); (4) record the outcome on the attempt row and, on failure, insert the next attempt with
 * an exponential backoff, in one transaction guarded by the lease (`locked_by`), so a worker that lost its
 * lease records nothing twice. Delivery is at least once: a crash after the send but before the record
 * means the receiver sees the event again (same X-Oversight-Delivery id) once the lease runs out.
 */
import type { MikroORM } from '@mikro-orm/core';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { EncryptionKeys, WebhookSettings } from '../../config.js';
import { ConsultationService } from './consultation.service.js';
import { DestinationRefusedError } from './destination.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';
import type { TenantRow } from './webhook-delivery.repository.js';
import { loadWebhookSecret, SecretDecryptionError } from './webhook-secret.js';
import { sendWebhook, type SendResult } from './webhook-sender.js';

export interface WorkerOptions {
  settings: WebhookSettings;
  keys: EncryptionKeys;
  /** Shows in `locked_by`; defaults to host:pid:random. */
  workerId?: string;
  batchSize?: number;
  /** Where pass errors go (never with secrets). */
  log?: (message: string, error?: unknown) => void;
}

export interface PassResult {
  expired: number;
  attempted: number;
  succeeded: number;
}

/** Delay before attempt n+1 after attempt n failed: base * 2^(n-1), capped. */
export function backoffMs(
  settings: Pick<WebhookSettings, 'backoffBaseMs' | 'backoffMaxMs'>,
  attempt: number,
) {
  return Math.min(settings.backoffBaseMs * 2 ** (attempt - 1), settings.backoffMaxMs);
}

type Outcome = SendResult & { final?: boolean };

export class WebhookWorker {
  readonly workerId: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private nudged = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly options: WorkerOptions,
  ) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.batchSize = options.batchSize ?? 20;
    // Long enough for a send to time out and its outcome to be recorded.
    this.leaseMs = options.settings.timeoutMs + 30_000;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts polling every `pollIntervalMs` until `stop()`. Calling it twice does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.nudged = false;
    this.current = this.runOnce().catch((error) => this.options.log?.('webhook worker pass failed', error));
    await this.current;
    this.current = undefined;
    if (this.running) this.schedule(this.nudged ? 0 : this.options.settings.pollIntervalMs);
  }

  /**
   * Something was just committed to the outbox in this process: run a pass now instead of at the next
   * poll (or right after the pass in progress). Deliveries committed elsewhere wait for the poll.
   */
  nudge(): void {
    if (!this.running) return;
    if (this.current) this.nudged = true;
    else this.schedule(0);
  }

  /** Stops polling and waits for the pass in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  /** One pass: sweep expiries, then send what is due. */
  async runOnce(): Promise<PassResult> {
    const expired = await new ConsultationService(this.orm.em.fork()).expireDue();
    const em = this.orm.em.fork();
    const claimed = await em
      .getRepository(WebhookDelivery)
      .claimDue(this.workerId, this.batchSize, this.leaseMs);
    const outcomes = await Promise.all(claimed.map((row) => this.deliver(row)));
    return { expired, attempted: claimed.length, succeeded: outcomes.filter((o) => o.ok).length };
  }

  private async deliver({ organizationId, id }: TenantRow): Promise<Outcome> {
    const em = this.orm.em.fork();
    const row = await em.findOneOrFail(WebhookDelivery, { organization: organizationId, id });
    const outcome = await this.attempt(row).catch((error: unknown): Outcome => ({
      ok: false,
      httpStatus: null,
      durationMs: 0,
      error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error',
    }));
    await this.record(row, outcome);
    return outcome;
  }

  private async attempt(row: WebhookDelivery): Promise<Outcome> {
    const abandon = (error: string): Outcome => ({
      ok: false,
      final: true,
      httpStatus: null,
      durationMs: 0,
      error,
    });
    if (!row.url) {
      return abandon('no destination: the request has no callback_url and the organization no webhook_url');
    }
    let secret: string | null;
    try {
      secret = await loadWebhookSecret(this.orm.em.fork(), this.options.keys, row.organization.id);
    } catch (error) {
      if (error instanceof SecretDecryptionError) return abandon(`cannot sign: ${error.message}`);
      throw error;
    }
    if (!secret) return abandon('cannot sign: the organization has no webhook secret');
    try {
      return await sendWebhook({
        url: row.url,
        body: JSON.stringify(row.payload),
        secret,
        headers: {
          'X-Oversight-Event': row.event,
          'X-Oversight-Delivery': row.eventId,
          'X-Oversight-Attempt': String(row.attempt),
        },
        timeoutMs: this.options.settings.timeoutMs,
        policy: this.options.settings,
      });
    } catch (error) {
      if (error instanceof DestinationRefusedError) return abandon(`destination refused: ${error.message}`);
      throw error;
    }
  }

  /** Writes the attempt's outcome and schedules the next attempt, if this worker still holds the lease. */
  private async record(row: WebhookDelivery, outcome: Outcome): Promise<void> {
    const { maxAttempts } = this.options.settings;
    const retry = !outcome.ok && !outcome.final && row.attempt < maxAttempts;
    const now = new Date();
    const next = retry ? new Date(now.getTime() + backoffMs(this.options.settings, row.attempt)) : null;
    const error =
      outcome.ok || outcome.final || retry
        ? outcome.error
        : `${outcome.error} (attempt ${row.attempt} of ${maxAttempts}: giving up)`;
    await this.orm.em.fork().transactional(async (tem) => {
      const mine = await tem.nativeUpdate(
        WebhookDelivery,
        { organization: row.organization, id: row.id, status: 'sending', lockedBy: this.workerId },
        {
          status: outcome.ok ? 'succeeded' : retry ? 'failed' : 'abandoned',
          httpStatus: outcome.httpStatus,
          durationMs: outcome.durationMs,
          error,
          nextAttemptAt: next,
          lockedUntil: null,
          finishedAt: now,
        },
      );
      if (mine !== 1 || !next) return;
      tem.create(WebhookDelivery, {
        organization: row.organization,
        request: row.request,
        eventId: row.eventId,
        event: row.event,
        attempt: row.attempt + 1,
        status: 'pending',
        url: row.url,
        payload: row.payload,
        nextAttemptAt: next,
      });
    });
  }
}
