/**
 * Live updates for open inboxes. One subscription per app instance to the notification hub's work-items
 * channel (src/db/notifications.ts: written by triggers on requests, validations and workflows, delivered
 * on commit by every instance's hub), fanned out to the open event streams of the notice's organization.
 * A lost listening connection (notices may have been missed) reaches every stream as a reset, so pages
 * re-read. Authentication notices (a key revoked, a person deactivated, a membership changed) let a
 * stream end at once when its session no longer counts.
 */
import { CHANNELS, type NotificationHub } from '../../db/notifications.js';
import { isUuid } from '../../common/values.js';
import { INBOX_KINDS, type InboxKind } from './queue.types.js';

export interface WorkItemChange {
  organizationId: string;
  kind: InboxKind;
  id: string;
  op: 'INSERT' | 'UPDATE' | 'DELETE';
}

export type FeedEvent = { type: 'change'; change: WorkItemChange } | { type: 'reset' };

/** The channel's JSON payload, or null when it is not one (never trusted blindly). */
export function parseWorkItemChange(payload: string): WorkItemChange | null {
  try {
    const p = JSON.parse(payload) as Partial<WorkItemChange>;
    if (
      typeof p.organizationId === 'string' &&
      isUuid(p.organizationId) &&
      typeof p.id === 'string' &&
      isUuid(p.id) &&
      INBOX_KINDS.includes(p.kind as InboxKind) &&
      (p.op === 'INSERT' || p.op === 'UPDATE' || p.op === 'DELETE')
    ) {
      return { organizationId: p.organizationId, kind: p.kind as InboxKind, id: p.id, op: p.op };
    }
  } catch {
    // fall through
  }
  return null;
}

export class LiveFeed {
  private readonly watchers = new Map<string, Set<(event: FeedEvent) => void>>();
  private readonly authListeners = new Set<(payload: string) => void>();
  private readonly stops: (() => void)[] = [];

  private constructor() {}

  /** Subscribes to the hub; resolves once both channels are listened to. */
  static async start(hub: NotificationHub): Promise<LiveFeed> {
    const feed = new LiveFeed();
    feed.stops.push(await hub.listen(CHANNELS.workItems, (payload) => feed.dispatch(payload)));
    feed.stops.push(
      await hub.listen(CHANNELS.auth, (payload) => feed.authListeners.forEach((l) => l(payload))),
    );
    feed.stops.push(hub.onReset(() => feed.broadcast({ type: 'reset' })));
    return feed;
  }

  private dispatch(payload: string): void {
    const change = parseWorkItemChange(payload);
    if (!change) return;
    this.watchers.get(change.organizationId)?.forEach((listener) => listener({ type: 'change', change }));
  }

  private broadcast(event: FeedEvent): void {
    for (const listeners of this.watchers.values()) listeners.forEach((listener) => listener(event));
  }

  /** Calls `listener` for every change of the organization's work items; returns the unsubscribe. */
  watch(organizationId: string, listener: (event: FeedEvent) => void): () => void {
    let listeners = this.watchers.get(organizationId);
    if (!listeners) this.watchers.set(organizationId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.watchers.delete(organizationId);
    };
  }

  /** Calls `listener` with every authentication notice (`api_key:<id>`, `user:<id>`, `membership:<userId>`). */
  onAuthChange(listener: (payload: string) => void): () => void {
    this.authListeners.add(listener);
    return () => this.authListeners.delete(listener);
  }

  /** How many streams watch, per organization (for tests and diagnostics). */
  get watching(): number {
    let n = 0;
    for (const listeners of this.watchers.values()) n += listeners.size;
    return n;
  }

  close(): void {
    this.stops.splice(0).forEach((stop) => stop());
    this.watchers.clear();
    this.authListeners.clear();
  }
}
