/**
 * CPU profile of one workload, measured part only (node:inspector around it), summarised by owner.
 * `npx tsx bench/profile.ts <get-agent|load|insert|update> [iterations]`; writes bench/profiles/<name>.cpuprofile.
 */
import type { MikroORM } from '@mikro-orm/core';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectOrm } from '../src/db/orm.js';
import { Agent } from '../src/modules/agents/agent.entity.js';
import { Conversation } from '../src/modules/agents/conversation.entity.js';
import { Message } from '../src/modules/agents/message.entity.js';
import { ApiKeyService } from '../src/modules/identity/api-key.service.js';
import { Membership } from '../src/modules/identity/membership.entity.js';
import { Organization } from '../src/modules/identity/organization.entity.js';
import { User } from '../src/modules/identity/user.entity.js';
import { summarise } from './cpuprofile-summary.js';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

async function profiled(name: string, fn: () => Promise<void>) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  await fn();
  const elapsed = performance.now() - t0;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  mkdirSync('bench/profiles', { recursive: true });
  writeFileSync(`bench/profiles/${name}.cpuprofile`, JSON.stringify(profile));
  console.log(`\n== ${name}: ${elapsed.toFixed(0)} ms wall\n${summarise(profile as never, 30)}`);
}

async function main() {
  const [scenario = 'get-agent', n] = process.argv.slice(2);
  const database = `oversight_profile_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url.toString() });
  let orm: MikroORM | undefined = await connectOrm(config, { logger: () => undefined });
  try {
    await orm.migrator.up();
    const em = orm.em.fork();
    const owner = em.create(User, { email: `p-${database}@example.test`, displayName: 'P' });
    const org = em.create(Organization, { name: 'P', slug: database.replace(/_/g, '-'), owner });
    em.create(Membership, { user: owner, organization: org, role: 'owner' });
    const agent = em.create(Agent, { organization: org, name: 'A', slug: 'agent-a', status: 'active' });
    const minted = new ApiKeyService(em).mintFor(
      { userId: owner.id, agentId: null, apiKeyId: null },
      { name: 'p', user: owner, organization: org, scopes: ['read', 'write', 'admin'], expiresAt: null },
    );
    await em.flush();

    if (scenario === 'get-agent') {
      const app = await buildApp({ config, orm, logger: false });
      orm = undefined; // the app closes it
      await app.listen({ host: '127.0.0.1', port: 0 });
      const target = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1/agents/${agent.id}`;
      const headers = { authorization: `Bearer ${minted.key}` };
      // The client runs in another process, so its CPU stays out of the profile.
      const client = (count: number) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              '-e',
              `(async () => { for (let i = 0; i < ${count}; i++) { const r = await fetch(${JSON.stringify(target)}, { headers: ${JSON.stringify(headers)} }); if (r.status !== 200) throw new Error('status ' + r.status); await r.arrayBuffer(); } })().catch((e) => { console.error(e); process.exit(1); })`,
            ],
            { stdio: 'inherit' },
          );
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`client exited ${code}`))));
        });
      await client(300);
      const count = Number(n ?? 2000);
      await profiled(`get-agent-${count}`, () => client(count));
      await app.close();
      return;
    }

    const conversations = Array.from({ length: 1000 }, () =>
      em.create(Conversation, { organization: org, agent, title: 'p' }),
    );
    await em.flush();
    if (scenario === 'insert') {
      const fork = orm.em.fork();
      await profiled('insert-10000', async () => {
        for (let i = 0; i < 10_000; i++) {
          fork.create(Message, {
            organization: org.id,
            id: uuidv7(),
            conversation: fork.getReference(Conversation, [org.id, conversations[i % 1000]!.id]),
            agent: fork.getReference(Agent, [org.id, agent.id]),
            role: i % 2 ? 'assistant' : 'user',
            content: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`,
            tokenCount: 20 + (i % 50),
          });
        }
        await fork.flush();
      });
      return;
    }
    if (scenario === 'load') {
      const pool = new pg.Pool({ connectionString: url.toString() });
      for (let i = 0; i < 20; i++) {
        const values: unknown[] = [];
        const tuples = conversations.map((c, j) => {
          values.push(uuidv7(), c.id, agent.id, 'user', `m ${i}.${j} ${'lorem ipsum '.repeat(6)}`, 20);
          const b = j * 6 + 1;
          return `($1, $${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
        });
        await pool.query(
          `insert into messages (organization_id, id, conversation_id, agent_id, role, content, token_count) values ${tuples.join(',')}`,
          [org.id, ...values],
        );
      }
      await pool.end();
      const load = async () => {
        const fork = orm!.em.fork();
        const cs = await fork.find(Conversation, { organization: org.id, agent }, { orderBy: { id: 'asc' } });
        await fork.find(
          Message,
          { organization: org.id, conversation: { $in: cs } },
          { orderBy: { createdAt: 'asc' } },
        );
      };
      await load();
      await profiled('load-1000x20', async () => {
        for (let i = 0; i < Number(n ?? 5); i++) await load();
      });
      return;
    }
    if (scenario === 'update') {
      await profiled('update-1000', async () => {
        for (let r = 0; r < Number(n ?? 5); r++) {
          const fork = orm!.em.fork();
          const cs = await fork.find(Conversation, { organization: org.id, agent });
          cs.forEach((c, i) => (c.title = `t ${r}.${i}`));
          await fork.flush();
        }
      });
      return;
    }
    throw new Error(`unknown scenario ${scenario}`);
  } finally {
    await orm?.close(true);
    await admin(`drop database if exists ${database} with (force)`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
