import { Validation } from '../../src/modules/validations/validation.entity.js';
/**
 * The LISTEN/NOTIFY hub and the triggers behind its channels: committed changes that matter reach the
 * listeners, bookkeeping and rolled-back changes do not, and a lost connection is announced and healed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, startNotifications, type NotificationHub } from '../../src/db/notifications.js';
import { ApiKey } from '../../src/modules/identity/api-key.entity.js';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { sql } from '../support/agents.factories.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { isCitus, onlyOnPostgres } from '../support/engine.js';
import { agentWithKey, makeUser, person } from '../support/factories.js';
import { eventually } from '../support/wait.js';

let db: TestDatabase;
let hub: NotificationHub;
const heard: Record<string, string[]> = { [CHANNELS.auth]: [], [CHANNELS.workItems]: [] };

beforeAll(async () => {
  db = await createTestDatabase();
  hub = await startNotifications(db.orm, db.config.database, { heartbeatMs: 200 });
  for (const channel of Object.keys(heard))
    await hub.listen(channel, (payload) => heard[channel]!.push(payload));
});

afterAll(async () => {
  await hub?.close();
  await db?.dispose();
});

/** Runs `change`, then waits until `expected` was heard on `channel` (or fails after 5 s). */
async function expectNotice(channel: string, expected: string, change: () => Promise<unknown>) {
  heard[channel]!.length = 0;
  await change();
  const got = await eventually(
    async () => [...heard[channel]!],
    (notices) => notices.includes(expected),
  );
  expect(got).toContain(expected);
}

describe('the oversight_auth channel', () => {
  it('announces a revoked key, a deactivated user, a changed role, a new membership, a paused agent', async () => {
    const em = db.orm.em.fork();
    const owner = await person(em, 'owner');
    const key = await em.findOneOrFail(ApiKey, { user: owner.user });

    await expectNotice(CHANNELS.auth, `api_key:${key.id}`, async () => {
      key.revokedAt = new Date();
      await em.flush();
    });
    await expectNotice(CHANNELS.auth, `user:${owner.user.id}`, async () => {
      owner.user.isActive = false;
      await em.flush();
    });
    const membership = await em.findOneOrFail(Membership, { user: owner.user });
    await expectNotice(CHANNELS.auth, `membership:${owner.user.id}`, async () => {
      membership.role = 'admin';
      await em.flush();
    });
    const newcomer = await makeUser(em);
    await expectNotice(CHANNELS.auth, `membership:${newcomer.id}`, async () => {
      em.create(Membership, { user: newcomer, organization: owner.organization, role: 'viewer' });
      await em.flush();
    });
    const { agent } = await agentWithKey(em, owner.organization);
    // agents are distributed on Citus, where the application announces the change (a shard's trigger cannot)
    await expectNotice(CHANNELS.auth, `agent:${agent.id}`, async () => {
      if (!isCitus) return sql(em, `update agents set status = 'paused' where id = ?`, [agent.id]);
      agent.status = 'paused';
      await em.flush();
    });
  });

  it('stays quiet for bookkeeping (last_used_at) and for a rolled-back change', async () => {
    const em = db.orm.em.fork();
    const owner = await person(em, 'owner');
    const key = await em.findOneOrFail(ApiKey, { user: owner.user });
    heard[CHANNELS.auth]!.length = 0;
    await sql(em, 'update api_keys set last_used_at = now() where id = ?', [key.id]);
    await em
      .transactional(async (tx) => {
        await sql(tx, 'update api_keys set revoked_at = now() where id = ?', [key.id]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    // a marker committed afterwards proves the earlier notices would have arrived by now
    await expectNotice(CHANNELS.auth, `user:${owner.user.id}`, () =>
      sql(em, 'update users set is_active = false where id = ?', [owner.user.id]),
    );
    expect(heard[CHANNELS.auth]).not.toContain(`api_key:${key.id}`);
  });
});

describe('the oversight_work_items channel', () => {
  it('carries organization, kind, id and operation of a changed work item', async () => {
    const em = db.orm.em.fork();
    const owner = await person(em, 'owner');
    const id = '0190f7a0-0000-7000-8000-000000000001';
    heard[CHANNELS.workItems]!.length = 0;
    // plain SQL, heard through the trigger; on Citus (validations distributed) the application's own insert
    if (isCitus) {
      em.create(Validation, {
        id,
        organization: owner.organization,
        agentId: 'agent-x',
        actionType: 'deploy',
        actionDescription: 'ship it',
        decision: 'approved',
        vetoLevel: 'none',
      });
      await em.flush();
    } else {
      await sql(
        em,
        `insert into validations (id, organization_id, agent_id, action_type, action_description, decision, veto_level)
         values (?, ?, 'agent-x', 'deploy', 'ship it', 'approved', 'none')`,
        [id, owner.organization.id],
      );
    }
    const notices = await eventually(
      async () => heard[CHANNELS.workItems]!.map((p) => JSON.parse(p) as Record<string, string>),
      (all) => all.some((n) => n.id === id),
    );
    expect(notices).toContainEqual({
      organizationId: owner.organization.id,
      kind: 'validation',
      id,
      op: 'INSERT',
    });
  });
});

describe.skipIf(onlyOnPostgres('terminates the listening backend with pg_terminate_backend'))(
  'a lost listening connection',
  () => {
    it('is announced (connected false, onReset), re-established, and notices flow again', async () => {
      const resets: boolean[] = [];
      const stop = hub.onReset(() => resets.push(hub.connected));
      const em = db.orm.em.fork();
      await sql(
        em,
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and application_name = 'oversight-notifications'`,
      );
      await eventually(
        async () => resets.length,
        (n) => n >= 2,
      );
      stop();
      expect(resets[0]).toBe(false); // announced as lost first
      expect(resets.at(-1)).toBe(true); // then back
      expect(hub.connected).toBe(true);
      const owner = await person(em, 'owner');
      await expectNotice(CHANNELS.auth, `user:${owner.user.id}`, () =>
        sql(em, 'update users set deleted_at = now() where id = ?', [owner.user.id]),
      );
    });
  },
);
