import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from './src/config.js';
import { connectOrm } from './src/db/orm.js';
import { Agent } from './src/modules/agents/agent.entity.js';
import { Conversation } from './src/modules/agents/conversation.entity.js';
import { Message } from './src/modules/agents/message.entity.js';
import { Organization } from './src/modules/identity/organization.entity.js';
import { User } from './src/modules/identity/user.entity.js';
const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const db = `exp_${randomBytes(4).toString('hex')}`;
const admin = async (q: string) => { const c = new pg.Client(ADMIN); await c.connect(); await c.query(q); await c.end(); };
await admin(`create database ${db}`);
const url = ADMIN.replace(/postgres$/, db);
let stmts: string[] = [];
const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url });
const orm = await connectOrm(config, { logger: () => undefined, onStatement: (s) => stmts.push(s) });
try {
  await orm.migrator.up();
  const em = orm.em.fork();
  const owner = em.create(User, { email: `x${db}@e.test` });
  const org = em.create(Organization, { name: 'x', slug: db.replace(/_/g, '-'), owner });
  const agent = em.create(Agent, { organization: org, name: 'a', slug: 'agent-a', status: 'active' });
  const convs = Array.from({ length: 100 }, () => em.create(Conversation, { organization: org, agent, title: 't' }));
  await em.flush();
  const rows = () => Array.from({ length: 10000 }, (_, i) => ({ id: uuidv7(), conversation: convs[i % 100]!.id, agent: agent.id, role: (i % 2 ? 'assistant' : 'user') as 'user', content: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`, tokenCount: 20 + (i % 50) }));
  const measure = async (name: string, fn: () => Promise<void>) => {
    const res: string[] = [];
    for (let r = 0; r < 3; r++) {
      stmts = [];
      const c0 = process.cpuUsage(); const t0 = performance.now();
      await fn();
      const wall = performance.now() - t0; const c = process.cpuUsage(c0);
      res.push(`wall ${wall.toFixed(0)} cpu ${((c.user + c.system) / 1000).toFixed(0)}`);
    }
    console.log(name.padEnd(28), res.join(' | '), `stmts ${stmts.length}`, stmts[1]?.slice(0, 160));
  };
  const { Session } = await import('node:inspector/promises');
  const { summarise } = await import('./bench/cpuprofile-summary.js');
  orm.config.set('batchSize', 3000);
  {
    const fork = orm.em.fork();
    for (const r of rows()) fork.create(Message, { ...r, conversation: fork.getReference(Conversation, r.conversation), agent: fork.getReference(Agent, r.agent) });
    await fork.flush();
  }
  const session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start');
  for (let k = 0; k < 3; k++) {
    const fork = orm.em.fork();
    for (const r of rows()) fork.create(Message, { ...r, conversation: fork.getReference(Conversation, r.conversation), agent: fork.getReference(Agent, r.agent) });
    await fork.flush();
  }
  const { profile } = await session.post('Profiler.stop');
  console.log(summarise(profile as never, 40));
  for (const bs of [] as number[]) {
    orm.config.set('batchSize', bs);
    await measure(`flush batchSize ${bs}`, async () => {
      const fork = orm.em.fork();
      for (const r of rows()) fork.create(Message, { ...r, conversation: fork.getReference(Conversation, r.conversation), agent: fork.getReference(Agent, r.agent) });
      await fork.flush();
    });
  }
  orm.config.set('batchSize', 300);
  await measure('insertMany', async () => { await orm.em.fork().insertMany(Message, rows()); });
  const pool = new pg.Pool({ connectionString: url });
  await measure('raw one statement', async () => {
    const values: unknown[] = []; const d = rows();
    const tuples = d.map((r, i) => { values.push(r.id, r.conversation, r.agent, r.role, r.content, r.tokenCount); const b = i * 6; return `($${b+1},$${b+2},$${b+3},$${b+4},$${b+5},$${b+6})`; });
    await pool.query(`insert into messages (id, conversation_id, agent_id, role, content, token_count) values ${tuples.join(',')}`, values);
  });
  await pool.end();
} finally { await orm.close(); await admin(`drop database ${db} with (force)`); }
