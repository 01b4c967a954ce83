import { raw } from '@mikro-orm/core';
import { BaseRepository } from '../../common/base.repository.js';
import { PreparedQuery } from '../../db/prepared.js';
import { ApiKey } from './api-key.entity.js';
import type { ApiKeyScope, MembershipRole } from './enums.js';

/**
 * What authentication needs to know about a presented key, in one row: the key, its owner's state, and
 * the owner's role in the organization the request acts in (the key's, else the one asked for). When
 * neither names an organization, every membership of the owner (to pick the only one).
 */
export interface Credential {
  id: string;
  prefix: string;
  keyHash: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  organizationId: string | null;
  userId: string | null;
  agentId: string | null;
  /** The user's state (null for an agent's key). */
  userActive: boolean | null;
  userDeleted: boolean;
  /** The agent's status (null for a person's key). */
  agentStatus: string | null;
}

export interface CredentialLookup {
  credential: Credential;
  /** The owner's role in the key's organization, else in the requested one; null when not a member. */
  role: MembershipRole | null;
  /** Every membership of the owner, oldest first, when neither the key nor the request names an organization. */
  memberships: { organizationId: string; role: MembershipRole }[] | null;
}

interface CredentialRow {
  id: string;
  prefix: string;
  key_hash: string;
  scopes: ApiKeyScope[];
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  organization_id: string | null;
  user_id: string | null;
  agent_id: string | null;
  user_active: boolean | null;
  user_deleted: boolean | null;
  agent_status: string | null;
  role: MembershipRole | null;
  memberships: CredentialLookup['memberships'] | string | null;
}

/** Runs on every request whose key is not cached: one indexed query, built once (src/db/prepared.ts). */
const credentialByPrefix = new PreparedQuery<
  { prefix: string; organizationId: string | null },
  CredentialLookup,
  CredentialRow
>(
  (em, value) =>
    em
      .createQueryBuilder(ApiKey, 'k')
      .select([
        'k.id',
        'k.prefix',
        'k.keyHash',
        'k.scopes',
        'k.expiresAt',
        'k.revokedAt',
        'k.lastUsedAt',
        raw('k.organization_id'),
        raw('k.user_id'),
        raw('k.agent_id'),
        raw('u.is_active as user_active'),
        raw('u.deleted_at is not null as user_deleted'),
        raw('a.status as agent_status'),
        raw(
          '(select m.role from memberships m where m.user_id = k.user_id ' +
            'and m.organization_id = coalesce(k.organization_id, ?::uuid)) as role',
          [value('organizationId')],
        ),
        raw(
          `case when k.user_id is not null and k.organization_id is null and ?::uuid is null then ` +
            `coalesce((select json_agg(json_build_object('organizationId', m.organization_id, 'role', m.role) ` +
            `order by m.created_at, m.id) from memberships m where m.user_id = k.user_id), '[]') end as memberships`,
          [value('organizationId')],
        ),
      ])
      .leftJoin('k.user', 'u')
      .leftJoin('k.agent', 'a')
      .where({ prefix: value('prefix') }),
  (row, { dateOrNull }) => ({
    credential: {
      id: row.id,
      prefix: row.prefix,
      keyHash: row.key_hash,
      scopes: row.scopes,
      expiresAt: dateOrNull(row.expires_at),
      revokedAt: dateOrNull(row.revoked_at),
      lastUsedAt: dateOrNull(row.last_used_at),
      organizationId: row.organization_id,
      userId: row.user_id,
      agentId: row.agent_id,
      userActive: row.user_active,
      userDeleted: row.user_deleted === true,
      agentStatus: row.agent_status,
    },
    role: row.role,
    // json(b) arrives parsed on PostgreSQL; keep PGlite's text form working too
    memberships: typeof row.memberships === 'string' ? JSON.parse(row.memberships) : row.memberships,
  }),
);

export class ApiKeyRepository extends BaseRepository<ApiKey> {
  /**
   * The key with this public prefix, its owner's state and the owner's memberships as far as the request
   * needs them (see `CredentialLookup`), or null. One query; filters do not apply (the caller checks the
   * owner's deletion, activity and status itself).
   */
  findCredential(prefix: string, organizationId: string | null): Promise<CredentialLookup | undefined> {
    return credentialByPrefix.one(this.getEntityManager(), { prefix, organizationId });
  }

  /** Keys of an organization (optionally only a user's or an agent's), newest first; revoked ones included. */
  listForOrganization(
    organizationId: string,
    owner: { user?: string; agent?: string } = {},
  ): Promise<ApiKey[]> {
    return this.find(
      {
        organization: organizationId,
        ...(owner.user && { user: owner.user }),
        ...(owner.agent && { agent: { id: owner.agent } }),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
  }
}
