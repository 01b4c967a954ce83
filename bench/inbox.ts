/// <reference lib="dom" />
/**
 * The reviewer's inbox (issue 11): how long the server takes to render the queue when 10,000 items wait,
 * and how long an agent's POST takes to appear in an open inbox.
 *
 * 1. A scratch PostgreSQL database with one organization holding 10,000 pending items (7,000 requests in
 *    four priorities, 2,000 validations needing review, 1,000 package workflows needing review), 10,000
 *    answered requests, and a second organization with another 10,000 pending requests; ANALYZEd.
 * 2. `GET /inbox` through the app (session cookie, queue, counts, header, full HTML page), 5 warm-ups then
 *    BENCH_INBOX_RUNS (20) timed renders each: the first page newest first, most urgent first, the 51st
 *    page (cursor), filtered by agent, the decided tab. Median and p95, server side (inject, no network).
 * 3. EXPLAIN (ANALYZE, BUFFERS) of the first page's queue statement in both orders.
 * 4. With Chromium (/usr/bin/chromium): the inbox open in a real browser, an agent POSTs a request over
 *    HTTP BENCH_INBOX_LIVE_RUNS (20) times; the time from the POST to the row being visible.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectOrm } from '../src/db/orm.js';
import { Agent } from '../src/modules/agents/agent.entity.js';
import { ApiKeyService } from '../src/modules/identity/api-key.service.js';
import { hashPassword } from '../src/modules/identity/credentials.js';
import { Membership } from '../src/modules/identity/membership.entity.js';
import { Organization } from '../src/modules/identity/organization.entity.js';
import { SessionService } from '../src/modules/identity/session.service.js';
import { User } from '../src/modules/identity/user.entity.js';
import { QueueRepository } from '../src/modules/inbox/queue.repository.js';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNS = Number(process.env.BENCH_INBOX_RUNS ?? 20);
const LIVE_RUNS = Number(process.env.BENCH_INBOX_LIVE_RUNS ?? 20);

const CHROMIUM = process.env.OVERSIGHT_CHROMIUM ?? '/usr/bin/chromium';
const DATABASE = 'oversight_bench_inbox';
const PASSWORD = 'bench-password-123';
const log = (message: string) => console.log(`  [inbox] ${message}`);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** 10,000 pending items of three kinds in `org`, plus decided and foreign noise, written in SQL. */
async function load(
  url: string,
  org: string,
  other: string,
  agents: string[],
  reviewer: string,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const agentArray = `array['${agents.join("','")}']::uuid[]`;
  try {
    await client.query(
      `insert into consultation_requests (organization_id, agent_id, question, answer_kind, options, priority,
              status, expires_at, created_at, updated_at, context, metadata)
       select $1, (${agentArray})[1 + g % ${agents.length}], 'Benchmark question ' || g || ': may I go ahead?',
              'choice', '{approve,reject}', (array['low','normal','high','urgent'])[1 + g % 4]::consultation_priority,
              'pending', now() + interval '7 days', now() - g * interval '7 seconds', now() - g * interval '7 seconds',
              '{}', '{}'
         from generate_series(1, 7000) g`,
      [org],
    );
    await client.query(
      `insert into validations (organization_id, agent_id, registered_agent_id, action_type, action_description,
              decision, veto_level, created_at)
       select $1, 'bench-agent', (${agentArray})[1 + g % ${agents.length}], 'deploy', 'Benchmark action ' || g,
              'needs_review', (array['weak','medium'])[1 + g % 2]::veto_level, now() - g * interval '11 seconds'
         from generate_series(1, 2000) g`,
      [org],
    );
    const submission = await client.query<{ id: string }>(
      `insert into package_submissions (organization_id, agent_id, project_name, lockfile_version, package_lock_json, status)
       values ($1, $2, 'bench-project', 3, '{}', 'needs_review') returning id`,
      [org, agents[0]],
    );
    await client.query(
      `with r as (
         insert into package_requests (organization_id, submission_id, package_name, package_version, status, created_at, updated_at)
         select $1, $2, 'bench-package-' || g, '1.0.0', 'needs_review', now() - g * interval '13 seconds', now()
           from generate_series(1, 1000) g returning id, created_at)
       insert into workflows (organization_id, package_request_id, status, current_stage, created_at, updated_at)
       select $1, r.id, 'needs_review', 'human_review', r.created_at, now() from r`,
      [org, submission.rows[0]!.id],
    );
    await client.query(
      `insert into consultation_requests (organization_id, agent_id, question, answer_kind, options, priority, status,
              response, responded_by_id, responded_at, expires_at, created_at, updated_at, context, metadata)
       select $1, (${agentArray})[1], 'Answered benchmark question ' || g, 'choice', '{approve,reject}', 'normal',
              'answered', '{"choice":"approve"}', $2, now() - g * interval '5 seconds', now() + interval '7 days',
              now() - interval '30 days', now() - g * interval '5 seconds', '{}', '{}'
         from generate_series(1, 10000) g`,
      [org, reviewer],
    );
    await client.query(
      `insert into consultation_requests (organization_id, question, answer_kind, options, priority, status,
              expires_at, created_at, updated_at, context, metadata)
       select $1, 'Another organization ' || g, 'choice', '{approve,reject}', 'urgent', 'pending',
              now() + interval '7 days', now() - g * interval '3 seconds', now(), '{}', '{}'
         from generate_series(1, 10000) g`,
      [other],
    );
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

export async function run(): Promise<void> {
  await admin(`drop database if exists ${DATABASE} with (force)`);
  await admin(`create database ${DATABASE}`);
  const url = databaseUrl(DATABASE);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url });
  const orm = await connectOrm(config, { logger: () => undefined });
  try {
    await orm.migrator.up();
    const em = orm.em.fork();
    const user = em.create(User, {
      email: 'bench-reviewer@example.test',
      displayName: 'Bench Reviewer',
      passwordHash: await hashPassword(PASSWORD),
    });
    const org = em.create(Organization, { name: 'Bench', slug: 'bench-inbox', owner: user });
    const otherOrg = em.create(Organization, { name: 'Other', slug: 'bench-other', owner: user });
    em.create(Membership, { user, organization: org, role: 'owner' });
    const agents = ['Atlas', 'Scout', 'Sage'].map((name) =>
      em.create(Agent, { organization: org, name, slug: name.toLowerCase(), status: 'active' }),
    );
    const agentKey = new ApiKeyService(em).mintFor(
      { userId: null, agentId: agents[0]!.id, apiKeyId: null },
      {
        name: 'bench',
        user: null,
        organization: org,
        scopes: ['read', 'write'],
        expiresAt: null,
        agent: agents[0]!,
      },
    );
    await em.flush();
    log('loading 10,000 pending items, 10,000 answered requests and 10,000 of another organization…');
    await load(
      url,
      org.id,
      otherOrg.id,
      agents.map((a) => a.id),
      user.id,
    );

    const app = await buildApp({ config, orm, logger: false });
    await app.ready();
    const { token } = await new SessionService(orm.em.fork()).signIn(
      { email: user.email, password: PASSWORD },
      { address: '127.0.0.1', limits: config.signIn },
    );
    const cookie = `oversight_session=${token}`;
    const render = async (path: string) => {
      const started = performance.now();
      const response = await app.inject({ method: 'GET', url: path, headers: { cookie } });
      const elapsed = performance.now() - started;
      if (response.statusCode !== 200) throw new Error(`${path}: ${response.statusCode}`);
      return { elapsed, body: response.body };
    };

    // The 51st page: follow 50 "Next page" links first.
    let deep = '/inbox';
    for (let i = 0; i < 50; i++) {
      const next = /href="(\/inbox\?[^"]*cursor=[^"]+)" rel="next"/.exec((await render(deep)).body);
      deep = next![1]!.replaceAll('&amp;', '&');
    }
    const cases: [string, string][] = [
      ['first page, newest first', '/inbox'],
      ['first page, most urgent first', '/inbox?sort=urgent'],
      ['51st page (cursor), newest first', deep],
      ['first page, one agent', `/inbox?agent=${agents[1]!.id}`],
      ['decided tab, first page', '/inbox?tab=decided'],
    ];
    const rows: string[] = [];
    for (const [name, path] of cases) {
      for (let i = 0; i < 5; i++) await render(path);
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < RUNS; i++) {
        const { elapsed, body } = await render(path);
        times.push(elapsed);
        items = (body.match(/data-queue-item/g) ?? []).length;
      }
      rows.push(
        `| ${name.padEnd(34)} | ${String(items).padStart(5)} | ${ms(quantile(times, 0.5)).padStart(9)} | ${ms(quantile(times, 0.95)).padStart(9)} |`,
      );
    }
    console.log(
      `\nInbox queue, server-side render of GET /inbox (10,000 pending; median and p95 of ${RUNS}):\n`,
    );
    console.log('| page                               | items |    median |       p95 |');
    console.log('|------------------------------------|-------|-----------|-----------|');
    rows.forEach((r) => console.log(r));

    const repository = new QueueRepository(orm.em.fork());
    for (const sort of ['newest', 'urgent'] as const) {
      const query = repository.pageQuery({ organizationId: org.id, tab: 'pending', sort }, 51)!;
      const plan = await orm.em
        .fork()
        .getConnection()
        .execute<{ 'QUERY PLAN': string }[]>(
          `explain (analyze, buffers, costs off) ${query.sql}`,
          query.params,
        );
      console.log(`\nEXPLAIN ANALYZE, first page, ${sort} first:\n`);
      console.log(plan.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n'));
    }

    const countsStarted = performance.now();
    for (let i = 0; i < RUNS; i++) await new QueueRepository(orm.em.fork()).pendingCounts(org.id);
    log(`pending counts alone: ${ms((performance.now() - countsStarted) / RUNS)} on average`);
    const pageStarted = performance.now();
    for (let i = 0; i < RUNS; i++) {
      await new QueueRepository(orm.em.fork()).page(
        { organizationId: org.id, tab: 'pending', sort: 'newest' },
        50,
      );
    }
    log(
      `queue statement alone (first page, newest): ${ms((performance.now() - pageStarted) / RUNS)} on average`,
    );

    if (existsSync(CHROMIUM) && LIVE_RUNS > 0) {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const context = await browser.newContext();
        await context.addCookies([{ name: 'oversight_session', value: token, url: `${base}/inbox` }]);
        const page = await context.newPage();
        await page.goto(`${base}/inbox`);
        await page.waitForFunction(() => {
          const body = document.body as HTMLElement & {
            'htmx-internal-data'?: { sseEventSource?: EventSource };
          };
          return body['htmx-internal-data']?.sseEventSource?.readyState === 1;
        });
        const times: number[] = [];
        for (let i = 0; i < LIVE_RUNS + 2; i++) {
          const started = performance.now();
          const response = await fetch(`${base}/api/v1/requests`, {
            method: 'POST',
            headers: { authorization: `Bearer ${agentKey.key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ question: `Live benchmark ${i}: proceed?`, options: ['yes', 'no'] }),
          });
          const { id } = (await response.json()) as { id: string };
          await page.locator(`#item-${id}`).waitFor({ state: 'visible', timeout: 10_000 });
          if (i >= 2) times.push(performance.now() - started); // two warm-ups
          await new Promise((r) => setTimeout(r, 300));
        }
        console.log(
          `\nAgent POST /api/v1/requests → row visible in an open inbox (Chromium, ${LIVE_RUNS} runs): ` +
            `median ${ms(quantile(times, 0.5))}, p95 ${ms(quantile(times, 0.95))}, min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))}`,
        );
      } finally {
        await browser.close();
      }
    } else {
      log(`no Chromium at ${CHROMIUM}: live latency skipped`);
    }
    await app.close();
  } finally {
    await orm.close(true).catch(() => undefined);
    await admin(`drop database if exists ${DATABASE} with (force)`);
  }
}
