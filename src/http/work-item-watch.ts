/**
 * Waiting for a work item (a consultation request, a validation, a workflow) to change, without holding a
 * database connection: one subscription per app instance to the hub's `oversight_work_items` channel,
 * fanned out to the waiters of each item. A waiter is only woken ("look again"), never told what changed:
 * it re-reads the item through its service, so tenancy and visibility stay the service's business.
 *
 * When the hub reports a reset (its connection was lost, notices may have been missed), every waiter is
 * woken, so nobody sleeps through a change.
 */
import type { FastifyBaseLogger } from 'fastify';

import { CHANNELS, type NotificationHub } from '../db/notifications.js';

/** The part of the notification hub a watch needs. */
export type NotificationSource = Pick<NotificationHub, 'listen' | 'onReset'>;

const WORK_ITEMS_CHANNEL = CHANNELS.workItems;
export type WorkItemKind = 'request' | 'validation' | 'workflow';

interface WorkItemNotice {
  organizationId?: unknown;
  kind?: unknown;
  id?: unknown;
}

export class WorkItemWatch {
  private readonly waiters = new Map<string, Set<() => void>>();
  private listening: Promise<void> | undefined;
  private stops: (() => void)[] = [];

  constructor(
    private readonly source: NotificationSource,
    private readonly log?: FastifyBaseLogger,
  ) {}

  /** How many waiters are registered now (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Registers `wake` for changes of one item. Resolves once the channel is listened to, so a change committed
   * after this resolves always wakes the waiter: read the item after subscribing, never before.
   */
  async subscribe(kind: WorkItemKind, id: string, wake: () => void): Promise<() => void> {
    await this.start();
    const key = `${kind}:${id}`;
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
    };
  }

  private start(): Promise<void> {
    this.listening ??= (async () => {
      this.stops.push(this.source.onReset(() => this.wakeAll()));
      this.stops.push(await this.source.listen(WORK_ITEMS_CHANNEL, (payload) => this.dispatch(payload)));
    })().catch((error: unknown) => {
      this.listening = undefined; // let the next subscriber try again
      throw error;
    });
    return this.listening;
  }

  private dispatch(payload: string): void {
    let notice: WorkItemNotice;
    try {
      notice = JSON.parse(payload) as WorkItemNotice;
    } catch {
      this.log?.warn({ channel: WORK_ITEMS_CHANNEL }, 'ignored a notification that is not JSON');
      return;
    }
    if (typeof notice.kind !== 'string' || typeof notice.id !== 'string') return;
    for (const wake of [...(this.waiters.get(`${notice.kind}:${notice.id}`) ?? [])]) wake();
  }

  private wakeAll(): void {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }

  /** Stops listening (the app is closing); waiters are woken so they can finish. */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.listening = undefined;
    this.wakeAll();
  }
}
