import { BaseRepository } from '../../common/base.repository.js';
import type { MembershipRole } from './enums.js';
import type { WebSession } from './web-session.entity.js';

/** A live session with everything a page needs to act for its person, read in one query. */
export interface LiveSessionRow {
  id: string;
  userId: string;
  apiKeyId: string;
  scopes: string[];
  organizationId: string | null;
  /** The person's role in the session's organization; null when they are no longer a member. */
  role: MembershipRole | null;
  email: string;
  displayName: string | null;
  expiresAt: Date;
}

interface RawRow {
  id: string;
  user_id: string;
  api_key_id: string;
  scopes: string[];
  organization_id: string | null;
  role: MembershipRole | null;
  email: string;
  display_name: string | null;
  expires_at: Date | string;
}

export class WebSessionRepository extends BaseRepository<WebSession> {
  /**
   * The session behind a cookie, if it still counts: not ended, not past its 12 hours, its key neither
   * revoked nor expired, its person active and not deleted. One statement (it runs on every page and
   * event stream), which also reads the person's role in the session's organization.
   */
  async findLive(tokenHash: string, now: Date): Promise<LiveSessionRow | null> {
    const em = this.getEntityManager();
    const rows = await em.getConnection().execute<RawRow[]>(
      `select s.id, s.user_id, s.api_key_id, k.scopes, s.organization_id, m.role, u.email, u.display_name,
              s.expires_at
         from web_sessions s
         join api_keys k on k.id = s.api_key_id
         join users u on u.id = s.user_id
         left join memberships m on m.user_id = s.user_id and m.organization_id = s.organization_id
        where s.token_hash = ? and s.ended_at is null and s.expires_at > ?
          and k.revoked_at is null and (k.expires_at is null or k.expires_at > ?)
          and u.is_active and u.deleted_at is null`,
      [tokenHash, now, now],
      'all',
      em.getTransactionContext(),
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      apiKeyId: row.api_key_id,
      scopes: row.scopes,
      organizationId: row.organization_id,
      role: row.role,
      email: row.email,
      displayName: row.display_name,
      expiresAt: new Date(row.expires_at),
    };
  }
}
