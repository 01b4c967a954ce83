/**
 * Migrates a template database once per run; every test file then gets its own copy:
 * - PostgreSQL: `CREATE DATABASE ... TEMPLATE oversight_test_template`;
 * - PGlite: a data-directory dump loaded into a fresh in-memory instance.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config.js';
import { distributeStatements, runInOneTransaction } from '../src/db/citus.js';
import { connectOrm } from '../src/db/orm.js';
import { startCitusCluster } from './support/citus.js';
import { ADMIN_URL, CITUS_NODES_ENV, TEMPLATE_DATABASE, databaseUrl, engine } from './support/engine.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
  }
}

async function preparePostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
    await admin.query(`create database ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl(TEMPLATE_DATABASE) });
  const orm = await connectOrm(config, { logger: () => undefined });
  try {
    await orm.migrator.up();
  } finally {
    await orm.close(true);
  }
}

async function preparePglite(): Promise<string> {
  const pglite = await PGlite.create({ extensions: { vector } });
  const config = loadConfig({ NODE_ENV: 'test', OVERSIGHT_DATA_DIR: 'memory://' });
  const orm = await connectOrm(config, { driverOptions: { pglite }, logger: () => undefined });
  try {
    await orm.migrator.up();
  } finally {
    await orm.close(true);
  }
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const path = join(tmpdir(), `oversight-pglite-template-${process.pid}.tar`);
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
  return path;
}

/**
 * Citus: a private coordinator and two workers for this run (tests/support/citus.ts), the template made on
 * every node with `citus` and the nodes registered, then migrated on the coordinator. The test files copy it
 * on every node (tests/support/db.ts); they reach the cluster through environment variables, which the test
 * processes inherit because they start after this setup.
 */
async function prepareCitus(): Promise<() => void> {
  const cluster = await startCitusCluster({ shardCount: 4, coordinatorMaxConnections: 200 });
  try {
    const nodes = [cluster.coordinator, ...cluster.workers].map((node) => node.url('postgres'));
    process.env.TEST_DATABASE_URL = nodes[0];
    process.env[CITUS_NODES_ENV] = nodes.join(',');
    await cluster.createDatabase(TEMPLATE_DATABASE);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: cluster.url(TEMPLATE_DATABASE) });
    const orm = await connectOrm(config, { logger: () => undefined });
    try {
      await orm.migrator.up();
      await runInOneTransaction(orm.em.fork(), distributeStatements(4));
    } finally {
      await orm.close(true);
    }
    console.info(
      `[citus] coordinator 127.0.0.1:${cluster.coordinatorPort}, workers ${cluster.workerPorts.join(', ')}; ` +
        'every tenant table distributed by organization_id (4 shards), the others reference tables',
    );
  } catch (error) {
    cluster.destroy();
    throw error;
  }
  return () => cluster.destroy();
}

export default async function setup(project: TestProject): Promise<void | (() => void)> {
  if (engine === 'postgresql') {
    await preparePostgres();
    project.provide('pgliteTemplatePath', '');
  } else if (engine === 'citus') {
    project.provide('pgliteTemplatePath', '');
    return prepareCitus();
  } else {
    project.provide('pgliteTemplatePath', await preparePglite());
  }
}
