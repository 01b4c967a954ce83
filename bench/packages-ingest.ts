/**
 * Time to ingest this project's own package-lock.json (v3) through POST /api/v1/package-submissions,
 * on a fresh, migrated database of each engine. The first run also fills the empty package catalogue;
 * the next runs find every name@version already there.
 *
 *   npx tsx bench/packages-ingest.ts [runs=5]      (PostgreSQL at TEST_DATABASE_URL or 127.0.0.1, and PGlite)
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { MikroORM } from '@mikro-orm/core';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig, type AppConfig } from '../src/config.js';
import { connectOrm } from '../src/db/orm.js';
import { AuditLog } from '../src/modules/identity/audit-log.entity.js';
import { ApiKeyService } from '../src/modules/identity/api-key.service.js';
import { Membership } from '../src/modules/identity/membership.entity.js';
import { Organization } from '../src/modules/identity/organization.entity.js';
import { User } from '../src/modules/identity/user.entity.js';
import { LicenseAllowlist } from '../src/modules/packages/license-allowlist.entity.js';

const runs = Number(process.argv[2] ?? 5);
const lockfile = readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8');
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function measure(engine: string, config: AppConfig, orm: MikroORM): Promise<void> {
  await orm.migrator.up();
  const em = orm.em.fork();
  const user = em.create(User, { email: `bench-${randomBytes(4).toString('hex')}@example.test` });
  const organization = em.create(Organization, { name: 'Bench', slug: 'bench', owner: user });
  em.create(Membership, { user, organization, role: 'owner' });
  for (const id of ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'BlueOak-1.0.0']) {
    em.create(LicenseAllowlist, { organization, licenseIdentifier: id, licenseName: id });
  }
  const { key } = new ApiKeyService(em).mintFor(
    { userId: null },
    { name: 'bench', user, organization, scopes: ['read', 'write', 'admin'], expiresAt: null },
  );
  await em.flush();
  const app = await buildApp({ config, orm, logger: false });
  const times: number[] = [];
  let requests = 0;
  let auditRows = 0;
  for (let i = 0; i < runs; i++) {
    const auditBefore = await orm.em.fork().count(AuditLog, {});
    const started = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/package-submissions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: lockfile,
    });
    times.push(performance.now() - started);
    if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
    requests = res.json().counts.packageRequests;
    auditRows = (await orm.em.fork().count(AuditLog, {})) - auditBefore;
  }
  await app.close();
  const rest = times.slice(1).sort((a, b) => a - b);
  const median = rest.length ? rest[Math.floor(rest.length / 2)]! : times[0]!;
  console.log(
    `${engine}: ${requests} package requests, ${auditRows} audit rows each; first run (empty catalogue) ${times[0]!.toFixed(0)} ms, ` +
      `median of the next ${rest.length} ${median.toFixed(0)} ms`,
  );
}

const quiet = { logger: () => undefined };
const database = `oversight_bench_${randomBytes(4).toString('hex')}`;
await admin(`create database ${database}`);
try {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url.toString() });
  await measure('postgresql', config, await connectOrm(config, quiet));
} finally {
  await admin(`drop database if exists ${database} with (force)`);
}
const pglite = await PGlite.create({ extensions: { vector } });
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OVERSIGHT_DATA_DIR: 'memory://' });
await measure('pglite', config, await connectOrm(config, { ...quiet, driverOptions: { pglite } }));
await pglite.close();
