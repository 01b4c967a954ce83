/**
 * MCP `ask_human` figures (issue 12), on PostgreSQL with the default pool (DB_POOL_SIZE 5 + DB_MAX_OVERFLOW 10
 * = 15 connections), through the official SDK client over loopback HTTP:
 *
 * 1. Latency: the time from a person's answer (POST /requests/{id}/respond sent) to the waiting `ask_human`
 *    call returning with it, 20 times; median, min, max, and the answer request's own duration.
 * 2. Capacity: how many `ask_human` calls can wait at once while other requests (REST reads and MCP
 *    tools/list) are still all served; levels BENCH_MCP_LEVELS (default 500,1000,2000,4000), stopping at the
 *    first level where anything is refused. Calls are opened 100 at a time (their requests are created
 *    first), so the level measures waiting, not a burst of inserts.
 *
 * It creates (and drops) its own scratch database on BENCH_ADMIN_URL's server, migrated like production.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectOrm } from '../src/db/orm.js';
import { agentWithKey, person } from '../tests/support/factories.js';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LEVELS = (process.env.BENCH_MCP_LEVELS ?? '500,1000,2000,4000').split(',').map(Number);
/** Waiting calls are opened this many at a time (each creates its request first: a short write). */
const BATCH = 100;
const ROUNDS = 20;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function connect(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

export async function run(): Promise<void> {
  const database = `oversight_bench_mcp_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' });
  const orm = await connectOrm(config, { logger: () => undefined });
  try {
    await orm.migrator.up();
    const app = await buildApp({ config, orm, logger: false });
    const origin = await app.listen({ host: '127.0.0.1', port: 0 });
    const em = orm.em.fork();
    const owner = await person(em, 'owner');
    const reviewer = await person(em, 'member', owner.organization);
    const agent = await agentWithKey(em, owner.organization);
    const client = await connect(`${origin}/mcp`, agent.key);
    const respond = (id: string, i: number) =>
      fetch(`${origin}/api/v1/requests/${id}/respond`, {
        method: 'POST',
        headers: { ...reviewer.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `answer ${i}` }),
      });
    // The bench looks at the database on its own connection, never on the app's pool.
    const probe = new pg.Client({ connectionString: url.toString() });
    await probe.connect();
    const created = async (question: string): Promise<string> => {
      for (;;) {
        const { rows } = await probe.query<{ id: string }>(
          'select id from consultation_requests where question = $1',
          [question],
        );
        if (rows[0]) return rows[0].id;
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    // 1. latency from the answer to the waiting call's return
    const latencies: number[] = [];
    const answerDurations: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const question = `latency question ${i}`;
      let subscribed: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => (subscribed = resolve));
      const call = client.callTool(
        { name: 'ask_human', arguments: { question, waitSeconds: 60 } },
        undefined,
        {
          timeout: 70_000,
          onprogress: () => subscribed(), // the first progress is sent once the call is subscribed and waiting
        },
      );
      const id = await created(question);
      await ready;
      await new Promise((r) => setTimeout(r, 50));
      const sent = performance.now();
      const answered = respond(id, i).then(() => performance.now());
      await call;
      const returned = performance.now();
      latencies.push(returned - sent);
      answerDurations.push((await answered) - sent);
    }
    console.log('\n## ask_human: answer → waiting call returns (PostgreSQL, loopback, SDK client)\n');
    console.log(`| rounds | median | min | max | the answer request itself (median) |`);
    console.log(`|---|---|---|---|---|`);
    console.log(
      `| ${ROUNDS} | ${median(latencies).toFixed(1)} ms | ${Math.min(...latencies).toFixed(1)} ms | ` +
        `${Math.max(...latencies).toFixed(1)} ms | ${median(answerDurations).toFixed(1)} ms |`,
    );

    // 2. how many waiting calls one instance holds while other requests are still served
    console.log('\n## ask_human: concurrent waiting calls, pool of 15 connections\n');
    console.log('| waiting calls | other requests served | refused or failed | heap used |');
    console.log('|---|---|---|---|');
    let round = 0;
    for (const level of LEVELS) {
      round++;
      const questions = Array.from({ length: level }, (_, i) => `capacity ${round}.${i}`);
      const calls: Promise<string>[] = [];
      const ids: string[] = [];
      for (let b = 0; b < questions.length; b += BATCH) {
        const batch = questions.slice(b, b + BATCH);
        for (const question of batch) {
          calls.push(
            client
              .callTool({ name: 'ask_human', arguments: { question, waitSeconds: 600 } }, undefined, {
                timeout: 660_000,
              })
              .then(
                (r) => (r.structuredContent as { outcome?: string } | undefined)?.outcome ?? 'error',
                () => 'error',
              ),
          );
        }
        for (const q of batch) ids.push(await created(q));
      }
      let served = 0;
      let refused = 0;
      for (let i = 0; i < 20; i++) {
        const other = await Promise.all([
          fetch(`${origin}/api/v1/requests?limit=5`, { headers: owner.headers }).then((r) => r.ok),
          fetch(`${origin}/api/v1/me`, { headers: owner.headers }).then((r) => r.ok),
          client.listTools().then(
            () => true,
            () => false,
          ),
        ]);
        for (const ok of other)
          if (ok) served++;
          else refused++;
      }
      const heap = process.memoryUsage().heapUsed / 1024 / 1024;
      for (let i = 0; i < ids.length; i += 50) {
        const results = await Promise.all(ids.slice(i, i + 50).map((id, j) => respond(id, i + j)));
        refused += results.filter((r) => !r.ok).length;
      }
      const outcomes = await Promise.all(calls);
      const notAnswered = outcomes.filter((o) => o !== 'answered').length;
      console.log(
        `| ${level} | ${served} of ${served + refused} | ${refused + notAnswered} ` +
          `(${notAnswered} waits not ending answered) | ${heap.toFixed(0)} MB |`,
      );
      if (refused + notAnswered > 0) break;
    }
    await client.close();
    await probe.end();
    await app.close();
  } finally {
    await orm.close(true).catch(() => undefined);
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}
