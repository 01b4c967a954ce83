/**
 * `api_keys.last_used_at`, written off the request path: authentication records that a key was used (at
 * most once a minute per key), and the recorder writes what it collected in one statement about once a
 * second, outside every request's unit of work, so no request waits for (or rolls back) bookkeeping.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

/** `last_used_at` is written at most this often per key. */
export const LAST_USED_RESOLUTION_MS = 60 * 1000;

export class LastUsedRecorder {
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly orm: MikroORM,
    private readonly options: { flushMs?: number; log?: (message: string, error: unknown) => void } = {},
  ) {}

  /** Whether a key last stamped at `last` should be stamped again at `now`. */
  static due(last: Date | null, now: Date): boolean {
    return !last || now.getTime() - last.getTime() > LAST_USED_RESOLUTION_MS;
  }

  record(keyId: string, at: Date): void {
    this.pending.set(keyId, at);
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 1000);
    this.timer.unref();
  }

  /** Writes what was recorded; never throws (a lost stamp is bookkeeping, not data). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.size) return this.writing;
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    const stamps = ids.map((id) => batch.get(id)!.toISOString());
    this.writing = this.writing.then(async () => {
      try {
        await (this.orm.em.fork() as SqlEntityManager).execute(
          `update api_keys set last_used_at = v.at
             from unnest(array[?]::uuid[], array[?]::timestamptz[]) as v(id, at)
            where api_keys.id = v.id and (api_keys.last_used_at is null or api_keys.last_used_at < v.at)`,
          [ids, stamps],
        );
      } catch (error) {
        this.options.log?.('could not record when API keys were last used', error);
      }
    });
    return this.writing;
  }
}
