/**
 * `organizations.conversation_retention_days` is enforced: the retention job deletes, in batches, the
 * conversations whose last activity is older than the organization's period, and says so in the log
 * with counts and organization ids only (issue 10, item 17). It runs in the API process's worker and in
 * `npm run worker`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import { ConversationRetentionJob } from '../../src/modules/agents/conversation-retention.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { Message } from '../../src/modules/agents/message.entity.js';
import type { Organization } from '../../src/modules/identity/organization.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeConversation, makeMemory, sql } from '../support/agents.factories.js';
import { onlyOnPostgres } from '../support/engine.js';
import { makeAgent, makeOrganization } from '../support/factories.js';
import { eventually } from '../support/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const SECRET = 'do-not-log-this-conversation-content';

async function organizationKeeping(days: number | null): Promise<Organization> {
  const organization = await makeOrganization(t.em());
  await sql(t.em(), 'update organizations set conversation_retention_days = ? where id = ?', [
    days,
    organization.id,
  ]);
  return organization;
}

/** A conversation created `createdDaysAgo` days ago, with a message `lastMessageDaysAgo` days ago (or none). */
async function conversationAged(
  organization: Organization,
  createdDaysAgo: number,
  lastMessageDaysAgo: number | null = null,
): Promise<string> {
  const em = t.em();
  const agent = await makeAgent(em, organization);
  const conversation = await makeConversation(em, organization, agent);
  if (lastMessageDaysAgo !== null) {
    await sql(
      em,
      `insert into messages (organization_id, conversation_id, role, content) values (?, ?, 'user', ?)`,
      [organization.id, conversation.id, SECRET],
    );
  }
  // the instants computed here: Citus refuses now() inside a CASE of an UPDATE on a distributed table
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
  await sql(
    em,
    `update conversations set title = ?, created_at = ?, last_message_at = ?
     where organization_id = ? and id = ?`,
    [
      SECRET,
      daysAgo(createdDaysAgo),
      lastMessageDaysAgo === null ? null : daysAgo(lastMessageDaysAgo),
      organization.id,
      conversation.id,
    ],
  );
  return conversation.id;
}

const remaining = async (ids: string[]) =>
  (await t.em().find(Conversation, { id: { $in: ids } })).map((c) => c.id).sort();

describe('conversation retention', () => {
  it('deletes, in batches, the conversations older than their organization keeps them, and logs counts only', async () => {
    const keeps30 = await organizationKeeping(30);
    const old = [
      await conversationAged(keeps30, 50, 40),
      await conversationAged(keeps30, 40), // never had a message: its creation counts
      await conversationAged(keeps30, 45, 31),
      await conversationAged(keeps30, 60, 59),
      await conversationAged(keeps30, 31),
    ];
    const recent = [
      await conversationAged(keeps30, 100, 2), // old, but active two days ago
      await conversationAged(keeps30, 29),
    ];
    const keepsForever = await organizationKeeping(null);
    const keeps90 = await organizationKeeping(90);
    const elsewhere = [
      await conversationAged(keepsForever, 400, 400),
      await conversationAged(keeps90, 40, 40),
    ];
    const memory = await makeMemory(t.em(), keeps30, { content: 'learnt in an old conversation' });
    await sql(t.em(), 'update memories set source_conversation_id = ? where id = ?', [old[0], memory.id]);

    const logged: { message: string; details: Record<string, unknown> }[] = [];
    const job = new ConversationRetentionJob(t.db.orm, {
      settings: { intervalMs: 60_000, batchSize: 2 },
      log: (message, details) => logged.push({ message, details }),
      logError: (message, error) => {
        throw new Error(`${message}: ${String(error)}`);
      },
    });
    const results = await job.runOnce();
    expect(results).toEqual([{ organizationId: keeps30.id, retentionDays: 30, deleted: 5, batches: 3 }]);

    expect(await remaining([...old, ...recent, ...elsewhere])).toEqual([...recent, ...elsewhere].sort());
    expect(await t.em().count(Message, { conversation: { id: { $in: old } } })).toBe(0);
    expect(await t.em().count(Message, { conversation: { id: { $in: [recent[0]!, ...elsewhere] } } })).toBe(
      3,
    );
    const kept = await t.em().findOneOrFail(Memory, { id: memory.id });
    expect(kept.sourceConversation ?? null).toBeNull();

    expect(logged).toEqual([
      {
        message: 'conversation retention: deleted old conversations',
        details: { organizationId: keeps30.id, retentionDays: 30, deleted: 5, batches: 3 },
      },
    ]);
    expect(JSON.stringify(logged)).not.toContain(SECRET);

    expect(await job.runOnce()).toEqual([]);
  });

  it('runs inside the API process when the worker is on', async () => {
    const app = await createTestApp({
      env: { WEBHOOK_WORKER_ENABLED: 'true', CONVERSATION_RETENTION_INTERVAL_MS: '1000' },
    });
    try {
      const organization = await makeOrganization(app.em());
      await sql(app.em(), 'update organizations set conversation_retention_days = 7 where id = ?', [
        organization.id,
      ]);
      const conversation = await makeConversation(
        app.em(),
        organization,
        await makeAgent(app.em(), organization),
      );
      await sql(app.em(), `update conversations set created_at = now() - interval '8 days' where id = ?`, [
        conversation.id,
      ]);
      expect(app.app.conversationRetention).not.toBeNull();
      const count = () => app.em().count(Conversation, { id: conversation.id });
      expect(await eventually(count, (n) => n === 0, 10_000)).toBe(0);
    } finally {
      await app.close();
    }
  });

  it.skipIf(onlyOnPostgres('`npm run worker` needs a server database it can share with the test'))(
    'runs in `npm run worker` (src/worker.ts), which logs what it deleted',
    async () => {
      const organization = await organizationKeeping(10);
      const id = await conversationAged(organization, 11, 11);
      const root = fileURLToPath(new URL('../../', import.meta.url));
      const worker = spawn(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, 'src/worker.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          DATABASE_URL: t.db.url,
          CONVERSATION_RETENTION_INTERVAL_MS: '1000',
        },
      });
      let output = '';
      worker.stdout.on('data', (chunk) => (output += chunk));
      worker.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise((resolve) => worker.on('exit', resolve));
      try {
        const seen = await eventually(
          async () => output,
          (o) => o.includes('conversation retention: deleted'),
          20_000,
        );
        expect(seen).toContain(`"organizationId":"${organization.id}"`);
        expect(seen).toContain('"deleted":1');
        expect(seen).not.toContain(SECRET);
        expect(await remaining([id])).toEqual([]);
      } finally {
        worker.kill('SIGTERM');
        await exited;
      }
    },
  );
});
