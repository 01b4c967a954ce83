/**
 * Workload 4 of issue 9: GET /api/v1/agents/{id} through the app (API key, tenancy, role check, read model,
 * response schema) against a bare Fastify route answering the same contract with one raw `pg` query that
 * still checks the key, its owner, the membership and the tenant. autocannon runs in its own process
 * (50 connections, BENCH_HTTP_SECONDS after BENCH_WARMUP_SECONDS), first against one, then the other.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectOrm } from '../src/db/orm.js';
import { Agent } from '../src/modules/agents/agent.entity.js';
import { AgentDto } from '../src/modules/agents/agent.schemas.js';
import { completeWithDefaults, DNA_DEFAULTS } from '../src/modules/agents/dna.js';
import { ApiKeyService } from '../src/modules/identity/api-key.service.js';
import { apiKeyMatches, parseApiKey } from '../src/modules/identity/credentials.js';
import { Membership } from '../src/modules/identity/membership.entity.js';
import { Organization } from '../src/modules/identity/organization.entity.js';
import { User } from '../src/modules/identity/user.entity.js';
import { loadFromAnotherProcess, scratchDatabase, times, type BenchRow } from './support.js';

const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);

export async function run(): Promise<BenchRow[]> {
  const db = await scratchDatabase();
  console.log(`\n## GET /api/v1/agents/{id}: the app vs a raw route (issue 9, workload 4), ${db.name}`);
  const pool = new pg.Pool({ connectionString: db.url, max: 15 });
  pool.on('error', () => undefined);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url });
  const orm = await connectOrm(config, { logger: () => undefined });
  const app = await buildApp({ config, orm, logger: false }); // closes the ORM
  const raw = Fastify({ logger: false });
  try {
    await orm.migrator.up();
    const em = orm.em.fork();
    const owner = em.create(User, { email: `bench-${db.name}@example.test`, displayName: 'Bench' });
    const org = em.create(Organization, { name: 'Bench', slug: db.name.replace(/_/g, '-'), owner });
    em.create(Membership, { user: owner, organization: org, role: 'owner' });
    const agent = em.create(Agent, {
      organization: org,
      name: 'Bench agent',
      slug: 'bench-agent',
      status: 'active',
    });
    const minted = new ApiKeyService(em).mintFor(
      { userId: owner.id, agentId: null, apiKeyId: null },
      { name: 'bench', user: owner, organization: org, scopes: ['read', 'write', 'admin'], expiresAt: null },
    );
    await em.flush();

    raw.get<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      { schema: { response: { 200: AgentDto } } },
      async (request, reply) => {
        // The same contract in one query: key (by prefix) + active owner + membership + the agent of that tenant.
        const presented = (request.headers.authorization ?? '').replace(/^Bearer /, '');
        if (!parseApiKey(presented)) return reply.status(401).send();
        const { rows } = await pool.query(
          `select k.key_hash, k.revoked_at, k.expires_at, a.*
             from api_keys k
             join users u on u.id = k.user_id and u.is_active and u.deleted_at is null
             join memberships m on m.user_id = k.user_id and m.organization_id = k.organization_id
             join agents a on a.organization_id = k.organization_id and a.id = $2
            where k.prefix = $1`,
          [parseApiKey(presented)!.prefix, request.params.id],
        );
        const a = rows[0];
        if (!a || !apiKeyMatches(presented, a.key_hash) || a.revoked_at) return reply.status(404).send();
        if (a.expires_at && new Date(a.expires_at) <= new Date()) return reply.status(401).send();
        return {
          id: a.id,
          organizationId: a.organization_id,
          createdBy: a.created_by,
          createdAt: a.created_at.toISOString(),
          updatedAt: a.updated_at.toISOString(),
          name: a.name,
          slug: a.slug,
          tagline: a.tagline,
          avatarEmoji: a.avatar_emoji,
          personality: completeWithDefaults(DNA_DEFAULTS.personality, a.personality),
          sharedSkillNames: a.shared_skill_names,
          customSkillNames: a.custom_skill_names,
          disabledSkillNames: a.disabled_skill_names,
          modelConfig: completeWithDefaults(DNA_DEFAULTS.modelConfig, a.model_config_json),
          memoryConfig: completeWithDefaults(DNA_DEFAULTS.memoryConfig, a.memory_config),
          boundaries: completeWithDefaults(DNA_DEFAULTS.boundaries, a.boundaries),
          status: a.status,
        };
      },
    );
    const base = async (server: { listen(o: object): Promise<string> }) =>
      server.listen({ host: '127.0.0.1', port: 0 });
    const appUrl = `${await base(app)}/api/v1/agents/${agent.id}`;
    const rawUrl = `${await base(raw)}/api/v1/agents/${agent.id}`;
    const headers = { authorization: `Bearer ${minted.key}` };

    // Both answer the same body.
    const [viaAppBody, viaRawBody] = await Promise.all(
      [appUrl, rawUrl].map(async (url) => (await fetch(url, { headers })).text()),
    );
    if (viaAppBody !== viaRawBody || JSON.parse(viaAppBody!).id !== agent.id) {
      throw new Error(
        `the app answered ${viaAppBody!.slice(0, 300)}\nthe raw route ${viaRawBody!.slice(0, 300)}`,
      );
    }

    const measure = async (url: string) => {
      await loadFromAnotherProcess(url, headers, WARMUP_SECONDS);
      return loadFromAnotherProcess(url, headers, HTTP_SECONDS);
    };
    const viaApp = await measure(appUrl);
    const viaRaw = await measure(rawUrl);
    if (viaApp.errors || viaRaw.errors) {
      console.log(`  [http] non-2xx or errors under load: app ${viaApp.errors}, raw ${viaRaw.errors}`);
    }
    const share = viaApp.rps / viaRaw.rps;
    const rows: BenchRow[] = [
      {
        workload: '4. GET /agents/{id}: requests/s',
        orm: `${viaApp.rps.toFixed(0)} rps`,
        raw: `${viaRaw.rps.toFixed(0)} rps`,
        peer: '—',
        ratio: `${(share * 100).toFixed(0)}%`,
        peerRatio: '—',
        target: '≥ 70% of raw',
        met: share >= 0.7 ? 'yes' : 'no',
      },
      {
        workload: '4. GET /agents/{id}: p99 latency',
        orm: `${viaApp.p99} ms`,
        raw: `${viaRaw.p99} ms`,
        peer: '—',
        ratio: times(viaApp.p99 / Math.max(viaRaw.p99, 1)),
        peerRatio: '—',
        target: '≤ 2× raw',
        met: viaApp.p99 <= 2 * Math.max(viaRaw.p99, 1) ? 'yes' : 'no',
      },
    ];
    console.log(
      `  [http] app ${viaApp.rps.toFixed(0)} rps (p50 ${viaApp.p50} ms, p99 ${viaApp.p99} ms, ${viaApp.total} requests); ` +
        `raw ${viaRaw.rps.toFixed(0)} rps (p50 ${viaRaw.p50} ms, p99 ${viaRaw.p99} ms, ${viaRaw.total} requests)`,
    );
    return rows;
  } finally {
    await app.close();
    await raw.close();
    await pool.end().catch(() => undefined);
    await db.drop();
  }
}
