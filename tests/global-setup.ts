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
import { connectOrm } from '../src/db/orm.js';
import { ADMIN_URL, TEMPLATE_DATABASE, databaseUrl, engine } from './support/engine.js';

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

export default async function setup(project: TestProject): Promise<void> {
  if (engine === 'postgresql') {
    await preparePostgres();
    project.provide('pgliteTemplatePath', '');
  } else {
    project.provide('pgliteTemplatePath', await preparePglite());
  }
}
