/**
 * Read replicas: which one a read model may use right now, if any.
 *
 * Only read models opt in (`PreparedQuery` with `replica: true`, `readModel` in `sql.ts`): plain lists and
 * lookups behind GET routes. Everything else reads from the primary: a service that loads what it is about
 * to change, authentication (a revoked key must not come back from a replica that has not replayed the
 * revocation), and statements that write as they read (`search_memories` records each hit's access).
 *
 * A replica is used only when all of these hold, as of its last check:
 * - it answered (a replica that is down is skipped; a read that fails to reach it runs on the primary);
 * - it is in recovery, i.e. really a standby, and no further behind than `maxLagMs`;
 * - it has replayed every commit this process made: after a commit, replicas wait until a check that
 *   started after the commit shows them at or past the primary's WAL position then. A request that wrote
 *   therefore reads its own writes, and so does the next request of the same client on this instance.
 *   Writes of other instances are seen within `maxLagMs`.
 *
 * Checks run every `checkIntervalMs`, and at once after a commit (one at a time), each on a connection of
 * its own outside the app's pools (check-client.ts): one statement on the primary and one per replica.
 */
import { performance } from 'node:perf_hooks';

/** Runs one statement on one server. */
export type RunQuery = <T extends object>(sql: string) => Promise<T[]>;

export interface ReplicaRouterOptions {
  maxLagMs: number;
  checkIntervalMs: number;
  /** Told when a replica starts or stops being usable (never with credentials). */
  log?: (message: string) => void;
}

export interface ReplicaStatus {
  name: string;
  /** Answered its last check. */
  up: boolean;
  /** Milliseconds behind the primary at the last check (0 when it had replayed all of it). */
  lagMs: number | null;
  /** Usable for a read now. */
  usable: boolean;
}

interface Replica<C> {
  name: string;
  connection: C;
  run: RunQuery;
  up: boolean;
  lagMs: number | null;
  /** WAL position replayed, at the last check. */
  replayed: bigint | null;
  /** When its last check started (performance.now()): the lag is at least that old. */
  checkedAt: number;
  /** Skipped for lag at the last check (told once, when it starts). */
  lagging: boolean;
}

/** A pg_lsn (`16/B374D848`) as a number. */
export function lsnValue(lsn: string): bigint {
  const [high = '0', low = '0'] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

export class ReplicaRouter<C> {
  private readonly replicas: Replica<C>[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** When this process last committed (performance.now()). */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /**
   * The primary's WAL position seen by the first check that started after that commit (and when it started):
   * a replica that has replayed up to it has every commit of this process.
   */
  private fence: { startedAt: number; lsn: bigint } = { startedAt: Number.NEGATIVE_INFINITY, lsn: 0n };
  private checked = false;
  /** The primary did not answer the last check: nothing is known of how far behind the replicas are. */
  private primaryUnknown = false;
  private next = 0;

  constructor(
    private readonly primary: RunQuery,
    replicas: { name: string; connection: C; run: RunQuery }[],
    private readonly options: ReplicaRouterOptions,
  ) {
    this.replicas = replicas.map((r) => ({
      ...r,
      up: false,
      lagMs: null,
      replayed: null,
      checkedAt: Number.NEGATIVE_INFINITY,
      lagging: false,
    }));
  }

  /** Checks once, then every interval; resolves after the first check. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A commit happened: no replica until it is known to have replayed it. */
  noteWrite(): void {
    this.lastWriteAt = performance.now();
    if (this.timer) void this.check();
  }

  /** A read that could not reach this replica: skip it until a check finds it back. */
  noteFailure(connection: C): void {
    const replica = this.replicas.find((r) => r.connection === connection);
    if (replica?.up) this.setUp(replica, false, 'unreachable');
  }

  /** A usable replica (round robin among them), or undefined: read from the primary. */
  pick(): C | undefined {
    if (!this.settled()) return undefined;
    for (let i = 0; i < this.replicas.length; i++) {
      const replica = this.replicas[(this.next + i) % this.replicas.length]!;
      if (this.usable(replica)) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return replica.connection;
      }
    }
    return undefined;
  }

  status(): ReplicaStatus[] {
    const settled = this.settled();
    return this.replicas.map((r) => ({
      name: r.name,
      up: r.up,
      lagMs: r.lagMs,
      usable: settled && this.usable(r),
    }));
  }

  /** Checked at least once, the primary answered the last check, and the fence covers this process's last commit. */
  private settled(): boolean {
    return this.checked && !this.primaryUnknown && this.fence.startedAt >= this.lastWriteAt;
  }

  /** Up, past the fence, and within the bound even counting the time since its lag was measured. */
  private usable(replica: Replica<C>): boolean {
    return (
      replica.up &&
      replica.replayed !== null &&
      replica.replayed >= this.fence.lsn &&
      replica.lagMs !== null &&
      replica.lagMs + (performance.now() - replica.checkedAt) <= this.options.maxLagMs
    );
  }

  /** One check at a time; a check asked for meanwhile runs right after it. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.checkOnce();
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    const startedAt = performance.now();
    let lsn: bigint;
    try {
      // the insert position: with synchronous_commit off, a commit returns before its WAL is written
      const [row] = await this.primary<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn');
      lsn = lsnValue(row!.lsn);
      this.primaryUnknown = false;
    } catch {
      this.primaryUnknown = true; // no replica until the primary says again how far it is
      return;
    }
    await Promise.all(this.replicas.map((replica) => this.checkReplica(replica, lsn)));
    // The first check since the last commit fixes the fence; later ones keep it (a replica passing it once
    // has that commit for good), so writes by others to the primary do not keep the replicas out.
    if (this.fence.startedAt < this.lastWriteAt) this.fence = { startedAt, lsn };
    this.checked = true;
  }

  private async checkReplica(replica: Replica<C>, primaryLsn: bigint): Promise<void> {
    replica.checkedAt = performance.now();
    try {
      const [row] = await replica.run<{
        standby: boolean;
        replayed: string | null;
        behind_ms: number | null;
      }>(
        `select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replayed,
                (extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 as behind_ms`,
      );
      if (!row?.standby || row.replayed === null) {
        replica.replayed = null;
        replica.lagMs = null;
        this.setUp(replica, false, 'not a streaming standby');
        return;
      }
      replica.replayed = lsnValue(row.replayed);
      // Caught up: not behind at all, however long ago the primary last committed. Behind with nothing
      // replayed since it started (no replay timestamp): unknown, so not usable (null, never Infinity).
      replica.lagMs =
        replica.replayed >= primaryLsn
          ? 0
          : row.behind_ms === null
            ? null
            : Math.max(0, Number(row.behind_ms));
      this.setUp(replica, true);
      const lagging = replica.lagMs === null || replica.lagMs > this.options.maxLagMs;
      if (lagging && !replica.lagging) {
        this.options.log?.(
          `read replica ${replica.name} is skipped: ${replica.lagMs === null ? 'behind, by an unknown time' : `${Math.round(replica.lagMs)} ms behind`} (bound ${this.options.maxLagMs} ms)`,
        );
      } else if (!lagging && replica.lagging) {
        this.options.log?.(`read replica ${replica.name} is within the lag bound again`);
      }
      replica.lagging = lagging;
    } catch {
      this.setUp(replica, false, 'unreachable');
    }
  }

  private setUp(replica: Replica<C>, up: boolean, why?: string): void {
    if (replica.up !== up) {
      this.options.log?.(`read replica ${replica.name} ${up ? 'is back' : `is skipped: ${why}`}`);
    }
    replica.up = up;
  }
}
