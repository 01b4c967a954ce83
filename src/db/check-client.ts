/**
 * One small connection of its own per server for the replica checks (src/db/replicas.ts), outside the app's
 * pools: a check never waits for a pool slot under load, never holds one when the app shuts down, and a
 * statement that hangs is cut off after the timeout. Reconnects on the next check after any failure.
 */
import pg from 'pg';

const TIMEOUT_MS = 5000;

export interface ServerAddress {
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  ssl?: boolean;
}

export class CheckClient {
  private client: pg.Client | undefined;
  private opening: Promise<pg.Client> | undefined;
  private closed = false;

  constructor(private readonly server: ServerAddress) {}

  async query<T extends object>(sql: string): Promise<T[]> {
    if (this.closed) throw new Error('check client closed');
    try {
      this.client ??= await this.open();
      if (this.closed) throw new Error('check client closed'); // closed while it connected: close() ends it
      return (await this.client.query<T>(sql)).rows;
    } catch (error) {
      this.drop();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private open(): Promise<pg.Client> {
    this.opening = this.connect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      ...this.server,
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS,
      application_name: 'oversight-replica-check',
    });
    client.on('error', () => this.drop()); // a server going away between checks: reconnect next time
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }
}
