/**
 * PostgreSQL change notifications (LISTEN/NOTIFY), one hub per process.
 *
 * Database triggers NOTIFY on commit (so plain SQL and the admin CLI notify too); the hub delivers each
 * payload to the listeners of its channel. Consumers: the authentication cache (channel `oversight_auth`,
 * see `src/modules/identity/principal-cache.ts`), and whatever waits for work items to change
 * (`oversight_work_items`).
 *
 * PostgreSQL: one dedicated connection outside the pool, so listening never holds a pool slot. It goes to
 * `DATABASE_DIRECT_URL` when set: LISTEN belongs to a server session, and a transaction pooler (PgBouncer in
 * transaction mode) hands that session to other clients after each transaction, so notices would be lost.
 * When the connection is lost the hub says so at once (`connected` false, `onReset` listeners called:
 * notices may have been missed), reconnects with backoff, listens again and calls `onReset` once more. A
 * heartbeat on the same connection notices a connection that died without an error. PGlite: the embedded
 * instance's `listen`.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import type { DatabaseTarget } from '../config.js';

export type NoticeListener = (payload: string) => void;

export interface NotificationHub {
  /** Subscribes; resolves once LISTEN is active, so a notice committed after that is delivered. */
  listen(channel: string, listener: NoticeListener): Promise<() => void>;
  /** Called when the listening connection was lost (notices may have been missed), and when it is back. */
  onReset(listener: () => void): () => void;
  /** True while notices are known to arrive: a consumer caching on their strength must not trust it otherwise. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** Channels written by the migrations' triggers. */
export const CHANNELS = {
  /** `api_key:<id>`, `user:<id>`, `agent:<id>`, `membership:<userId>`: something authentication relies on changed. */
  auth: 'oversight_auth',
  /** JSON `{ organizationId, kind: 'request' | 'validation' | 'workflow', id, op }`. */
  workItems: 'oversight_work_items',
} as const;

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface NotificationOptions {
  /** Where connection problems are reported (never with credentials). */
  log?: (message: string) => void;
  /** How often the listening connection proves it is alive (default 1000 ms). */
  heartbeatMs?: number;
}

export async function startNotifications(
  orm: MikroORM,
  target: DatabaseTarget,
  options: NotificationOptions = {},
): Promise<NotificationHub> {
  if (target.engine === 'pglite') {
    const connection = orm.em.getConnection() as unknown as { getNativeClient(): Promise<PGlite> };
    return new PgliteHub(await connection.getNativeClient());
  }
  const hub = new PostgresHub(target, options);
  await hub.start();
  return hub;
}

/** Shared bookkeeping: listeners per channel and reset listeners. */
abstract class Hub implements NotificationHub {
  protected readonly channels = new Map<string, Set<NoticeListener>>();
  private readonly resets = new Set<() => void>();
  abstract readonly connected: boolean;

  protected abstract subscribe(channel: string): Promise<void>;
  protected abstract unsubscribe(channel: string): Promise<void>;
  abstract close(): Promise<void>;

  async listen(channel: string, listener: NoticeListener): Promise<() => void> {
    if (!CHANNEL_NAME.test(channel)) throw new TypeError(`not a channel name: ${channel}`);
    let listeners = this.channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
      try {
        await this.subscribe(channel);
      } catch (error) {
        this.channels.delete(channel);
        throw error;
      }
    }
    listeners.add(listener);
    return () => {
      const current = this.channels.get(channel);
      if (!current?.delete(listener) || current.size) return;
      this.channels.delete(channel);
      void this.unsubscribe(channel).catch(() => undefined);
    };
  }

  onReset(listener: () => void): () => void {
    this.resets.add(listener);
    return () => this.resets.delete(listener);
  }

  protected deliver(channel: string, payload: string): void {
    for (const listener of this.channels.get(channel) ?? []) {
      try {
        listener(payload);
      } catch {
        // one failing listener must not starve the others
      }
    }
  }

  protected reset(): void {
    for (const listener of this.resets) {
      try {
        listener();
      } catch {
        // as above
      }
    }
  }
}

class PgliteHub extends Hub {
  private readonly stops = new Map<string, () => Promise<void>>();
  private closed = false;

  constructor(private readonly pglite: PGlite) {
    super();
  }

  get connected(): boolean {
    return !this.closed && !this.pglite.closed;
  }

  protected async subscribe(channel: string): Promise<void> {
    this.stops.set(channel, await this.pglite.listen(channel, (payload) => this.deliver(channel, payload)));
  }

  protected async unsubscribe(channel: string): Promise<void> {
    const stop = this.stops.get(channel);
    this.stops.delete(channel);
    if (stop && !this.pglite.closed) await stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    const stops = [...this.stops.values()];
    this.stops.clear();
    this.channels.clear();
    if (!this.pglite.closed) await Promise.all(stops.map((stop) => stop().catch(() => undefined)));
  }
}

class PostgresHub extends Hub {
  private client: pg.Client | null = null;
  private closed = false;
  private alive = false;
  private retryMs = 100;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: Extract<DatabaseTarget, { engine: 'postgresql' }>,
    private readonly options: NotificationOptions,
  ) {
    super();
  }

  get connected(): boolean {
    return this.alive;
  }

  async start(): Promise<void> {
    await this.connect();
    const every = this.options.heartbeatMs ?? 1000;
    this.heartbeat = setInterval(() => void this.beat(every), every);
    this.heartbeat.unref();
  }

  private async connect(): Promise<void> {
    const endpoint = this.target.direct ?? this.target;
    const client = new pg.Client({
      host: endpoint.host,
      port: endpoint.port,
      database: endpoint.database,
      user: endpoint.user,
      password: endpoint.password,
      ...(endpoint.options.sslmode && endpoint.options.sslmode !== 'disable' ? { ssl: true } : {}),
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      application_name: 'oversight-notifications',
    });
    client.on('notification', (message) => this.deliver(message.channel, message.payload ?? ''));
    client.on('error', () => this.lost(client, 'connection error'));
    client.on('end', () => this.lost(client, 'connection closed'));
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`listen ${channel}`);
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.alive = true;
    this.retryMs = 100;
  }

  private async beat(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client || !this.alive) return;
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('heartbeat timed out')), timeoutMs).unref();
    });
    try {
      await Promise.race([client.query('select 1'), timeout]);
    } catch {
      this.lost(client, 'heartbeat failed');
    }
  }

  private lost(client: pg.Client, why: string): void {
    if (this.client !== client) return;
    this.client = null;
    this.alive = false;
    client.removeAllListeners('notification');
    client.on('error', () => undefined); // a late error of a dropped client must not crash the process
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.log?.(`notifications: ${why}; notices may have been missed, reconnecting`);
    this.reset();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().then(
        () => {
          this.options.log?.('notifications: listening again');
          this.reset();
        },
        () => {
          this.retryMs = Math.min(this.retryMs * 2, 5_000);
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.reconnectTimer.unref();
  }

  protected async subscribe(channel: string): Promise<void> {
    // While disconnected the channel is listened to on reconnect (connect() walks every channel).
    if (this.client) await this.client.query(`listen ${channel}`);
  }

  protected async unsubscribe(channel: string): Promise<void> {
    if (this.client) await this.client.query(`unlisten ${channel}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.alive = false;
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnectTimer);
    this.channels.clear();
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
