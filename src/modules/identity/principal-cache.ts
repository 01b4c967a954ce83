/**
 * The authenticated-principal cache: what authentication read from the database for a key (the key, its
 * owner's state, the owner's roles), kept per process so a request with a known key costs no query.
 *
 * Trusted only while change notifications arrive (`src/db/notifications.ts`): triggers NOTIFY
 * `oversight_auth` when a key is revoked or changed, a user deactivated or deleted, an agent paused or
 * archived, a membership added, changed or removed; every instance forgets what the notice names as soon
 * as it arrives (milliseconds after the commit). While the listening connection is down the cache is
 * bypassed and emptied, so a missed notice can never keep a stale principal alive.
 *
 * Changes this process flushes itself are forgotten at once, before the notice comes back (see
 * `localChanges`), so a key revoked through this instance is refused by its very next request.
 *
 * A read that raced with a change is not stored: each load remembers the invalidation epoch it started
 * in and is dropped if any notice arrived meanwhile.
 */
import type { EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import type { NotificationHub } from '../../db/notifications.js';
import { CHANNELS } from '../../db/notifications.js';
import type { Credential } from './api-key.repository.js';
import type { MembershipRole } from './enums.js';

/** A user's memberships as far as they are known: role per organization (null: not a member). */
export interface KnownMemberships {
  roles: Map<string, MembershipRole | null>;
  /** Every organization of the user, when it was read whole (to pick the only one). */
  all?: { organizationId: string; role: MembershipRole }[];
}

export interface PrincipalCacheOptions {
  /** Most keys kept (default 10,000); the oldest entry goes first. */
  maxKeys?: number;
}

export class PrincipalCache {
  private readonly keys = new Map<string, Credential>();
  private readonly users = new Map<string, KnownMemberships>();
  private epochCounter = 0;
  private readonly maxKeys: number;

  private constructor(
    private readonly hub: NotificationHub,
    options: PrincipalCacheOptions,
  ) {
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** A cache wired to the hub's `oversight_auth` channel; resolves once listening. */
  static async start(hub: NotificationHub, options: PrincipalCacheOptions = {}): Promise<PrincipalCache> {
    const cache = new PrincipalCache(hub, options);
    await hub.listen(CHANNELS.auth, (payload) => cache.forget(payload));
    hub.onReset(() => cache.clear());
    return cache;
  }

  /** Changes whenever something may have been forgotten; a load started in an older epoch is not stored. */
  get epoch(): number {
    return this.epochCounter;
  }

  private get trusted(): boolean {
    return this.hub.connected;
  }

  credential(prefix: string): Credential | undefined {
    return this.trusted ? this.keys.get(prefix) : undefined;
  }

  storeCredential(credential: Credential, epoch: number): void {
    if (!this.trusted || epoch !== this.epochCounter) return;
    if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(credential.prefix, credential);
  }

  memberships(userId: string): KnownMemberships | undefined {
    return this.trusted ? this.users.get(userId) : undefined;
  }

  /** Records what a load learnt of the user's memberships (merged with what is known). */
  storeMemberships(userId: string, learnt: Partial<KnownMemberships>, epoch: number): void {
    if (!this.trusted || epoch !== this.epochCounter) return;
    let known = this.users.get(userId);
    if (!known) {
      if (this.users.size >= this.maxKeys) this.users.delete(this.users.keys().next().value!);
      known = { roles: new Map() };
      this.users.set(userId, known);
    }
    for (const [organizationId, role] of learnt.roles ?? []) known.roles.set(organizationId, role);
    if (learnt.all) {
      known.all = learnt.all;
      for (const m of learnt.all) known.roles.set(m.organizationId, m.role);
    }
  }

  /** Keeps the last-used stamp current, so it is written at most once a minute per key. */
  touched(prefix: string, at: Date): void {
    const credential = this.keys.get(prefix);
    if (credential) credential.lastUsedAt = at;
  }

  /** Handles one `oversight_auth` notice: `api_key:<id>`, `user:<id>`, `agent:<id>`, `membership:<userId>`. */
  forget(notice: string): void {
    this.epochCounter++;
    const [kind, id] = notice.split(':', 2);
    if (kind === 'membership') {
      this.users.delete(id!);
      return;
    }
    if (kind === 'user') this.users.delete(id!);
    const field =
      kind === 'api_key' ? 'id' : kind === 'user' ? 'userId' : kind === 'agent' ? 'agentId' : null;
    if (!field) {
      this.clear();
      return;
    }
    for (const [prefix, credential] of this.keys) {
      if (credential[field] === id) this.keys.delete(prefix);
    }
  }

  clear(): void {
    this.epochCounter++;
    this.keys.clear();
    this.users.clear();
  }
}

/** The `oversight_auth` notice an entity change in this process stands for, as the triggers would send it. */
const NOTICES: Record<string, (data: Record<string, unknown>) => string | undefined> = {
  ApiKey: (e) => `api_key:${String(e.id)}`,
  User: (e) => `user:${String(e.id)}`,
  Agent: (e) => `agent:${String(e.id)}`,
  Membership: (e) => {
    const user = e.user as { id?: string } | string | undefined;
    return `membership:${typeof user === 'string' ? user : user?.id}`;
  },
};

/**
 * Forgets what this process's own flushes changed, right after they are written, without waiting for the
 * database's notice (which still comes, and is what other instances act on).
 */
export function localChanges(cache: PrincipalCache): EventSubscriber {
  return {
    afterFlush({ uow }: FlushEventArgs) {
      for (const changeSet of uow.getChangeSets()) {
        const notice = NOTICES[changeSet.meta.className]?.(changeSet.entity as Record<string, unknown>);
        if (notice) cache.forget(notice);
      }
    },
  };
}
