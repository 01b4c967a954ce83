/**
 * `organizations.owner_id` is the organization's accountable owner: always a live account (not deleted,
 * not deactivated) holding the owner role there. When that person stops being an owner (leaves, is
 * demoted, deletes the account) it passes to the longest-standing remaining owner. An account that is
 * deleted or deactivated never counts as "another owner" (issue 10, item 14).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { notOnDistributedTables, onlyOnPostgres } from '../support/engine.js';
import { person, type Person } from '../support/factories.js';
import { sql } from '../support/agents.factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const membershipOf = async (p: Person, organizationId = p.organization.id) =>
  t.em().findOneOrFail(Membership, { user: p.user.id, organization: organizationId });

const leave = async (p: Person) =>
  t.app.inject({
    method: 'DELETE',
    url: `/api/v1/memberships/${(await membershipOf(p)).id}`,
    headers: p.headers,
  });

const demote = async (by: Person, who: Person) =>
  t.app.inject({
    method: 'PATCH',
    url: `/api/v1/memberships/${(await membershipOf(who, by.organization.id)).id}`,
    headers: by.headers,
    payload: { role: 'admin' },
  });

const deleteAccount = (p: Person) =>
  t.app.inject({ method: 'DELETE', url: `/api/v1/users/${p.user.id}`, headers: p.headers });

/** owner_id, and whether it names a live account with the owner role in the organization. */
async function ownerOf(organizationId: string): Promise<{ ownerId: string; holds: boolean }> {
  const [row] = await sql<{ owner_id: string; holds: boolean }>(
    t.em(),
    `select o.owner_id, exists (
       select 1 from memberships m join users u on u.id = m.user_id
       where m.organization_id = o.id and m.user_id = o.owner_id and m.role = 'owner'
         and u.deleted_at is null and u.is_active) as holds
     from organizations o where o.id = ?`,
    [organizationId],
  );
  return { ownerId: row!.owner_id, holds: row!.holds };
}

describe('organizations.owner_id', () => {
  it('moves to the longest-standing remaining owner when its holder leaves or is demoted', async () => {
    const first = await person(t.em(), 'owner');
    const org = first.organization.id;
    const second = await person(t.em(), 'owner', first.organization);
    const third = await person(t.em(), 'owner', first.organization);
    expect(await ownerOf(org)).toEqual({ ownerId: first.user.id, holds: true });

    expect((await leave(first)).statusCode).toBe(204);
    expect(await ownerOf(org)).toEqual({ ownerId: second.user.id, holds: true });

    expect((await demote(third, second)).statusCode).toBe(200);
    expect(await ownerOf(org)).toEqual({ ownerId: third.user.id, holds: true });

    const changes = await t
      .em()
      .find(
        AuditLog,
        { organizationId: org, action: 'organization.owner_changed' },
        { orderBy: { timestamp: 'asc', id: 'asc' } },
      );
    expect(changes.map((c) => c.details)).toEqual([
      { before: { ownerId: first.user.id }, after: { ownerId: second.user.id } },
      { before: { ownerId: second.user.id }, after: { ownerId: third.user.id } },
    ]);
  });

  it('moves when its holder deletes the account, and stays when another owner leaves', async () => {
    const first = await person(t.em(), 'owner');
    const org = first.organization.id;
    const second = await person(t.em(), 'owner', first.organization);
    const third = await person(t.em(), 'owner', first.organization);
    expect((await leave(third)).statusCode).toBe(204);
    expect(await ownerOf(org)).toEqual({ ownerId: first.user.id, holds: true });
    expect((await deleteAccount(first)).statusCode).toBe(204);
    expect(await ownerOf(org)).toEqual({ ownerId: second.user.id, holds: true });
  });

  it('does not count a deleted or deactivated account as another owner', async () => {
    for (const gone of [`deleted_at = now(), is_active = false`, `is_active = false`]) {
      const live = await person(t.em(), 'owner');
      const other = await person(t.em(), 'owner', live.organization);
      await sql(t.em(), `update users set ${gone} where id = ?`, [other.user.id]);

      for (const attempt of [() => leave(live), () => demote(live, live), () => deleteAccount(live)]) {
        const res = await attempt();
        expect(res.statusCode, gone).toBe(422);
        expect(res.json().message, gone).toMatch(/owner/);
      }
      expect((await membershipOf(live)).role).toBe('owner');
      expect(await ownerOf(live.organization.id)).toEqual({ ownerId: live.user.id, holds: true });
    }
  });

  it.skipIf(
    onlyOnPostgres('two accounts deleted at once need two connections and a third to hold the lock') ||
      notOnDistributedTables(
        'two owners deleting their accounts at once: organizations is a reference table, whose row locks Citus takes on every node, and the race can end in a distributed deadlock Citus breaks by cancelling one request (a 500, not the 422; docs/scale-out.md)',
      ),
  )('two owners deleting their accounts at once leave one owner', async () => {
    const first = await person(t.em(), 'owner');
    const second = await person(t.em(), 'owner', first.organization);
    const holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
    let results;
    try {
      // Both requests queue behind this lock (or, without one of their own, run through at once).
      await holder.query('begin');
      await holder.query('select id from organizations where id = $1 for update', [first.organization.id]);
      let settled = 0;
      const running = [deleteAccount(first), deleteAccount(second)].map((r) => r.finally(() => settled++));
      const deadline = Date.now() + 5000;
      const waiting = async () =>
        Number(
          (
            await holder.query(
              `select pg_stat_clear_snapshot(), count(*) from pg_stat_activity
                 where datname = current_database() and wait_event_type = 'Lock'`,
            )
          ).rows[0].count,
        );
      while (settled < 2 && (await waiting()) < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await holder.query('commit');
      results = await Promise.all(running);
    } finally {
      await holder.end();
    }
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 422]);
    const kept = results[0]!.statusCode === 422 ? first : second;
    expect(await ownerOf(first.organization.id)).toEqual({ ownerId: kept.user.id, holds: true });
  });

  it.skipIf(
    notOnDistributedTables(
      'owner repair: runs a migration down and up again, which drops and re-creates triggers of distributed tables',
    ),
  )('is repaired by the migration where it no longer named a live owner', async () => {
    const db = await createTestDatabase();
    try {
      await db.orm.migrator.down({ to: 'Migration20261202031710_notifications' });
      const em = db.orm.em.fork();
      const [gone, live] = await sql<{ id: string }>(
        em,
        `insert into users (email, deleted_at) values ('gone@example.test', now()), ('live@example.test', null)
         returning id`,
      );
      const [org] = await sql<{ id: string }>(
        em,
        `insert into organizations (name, slug, owner_id) values ('Org', 'repaired-org', ?) returning id`,
        [gone!.id],
      );
      await sql(
        em,
        `insert into memberships (user_id, organization_id, role) values (?, ?, 'owner'), (?, ?, 'owner')`,
        [gone!.id, org!.id, live!.id, org!.id],
      );
      await db.orm.migrator.up();
      const [after] = await sql<{ owner_id: string }>(
        db.orm.em.fork(),
        'select owner_id from organizations where id = ?',
        [org!.id],
      );
      expect(after!.owner_id).toBe(live!.id);
    } finally {
      await db.dispose();
    }
  });
});
