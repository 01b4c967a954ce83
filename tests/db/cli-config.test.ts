/**
 * The MikroORM CLI (`npx mikro-orm migration:up`, mikro-orm.config.ts) builds its ORM from createOrmOptions
 * alone, without the app's connectOrm: on a fresh checkout the embedded database's directory does not exist
 * yet, and PGlite creates only the last segment of its path.
 */
import { MikroORM } from '@mikro-orm/core';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createOrmOptions } from '../../src/db/orm.js';

let root: string | undefined;
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the CLI configuration', () => {
  it('migrates an embedded database whose directory does not exist yet', async () => {
    root = await mkdtemp(join(tmpdir(), 'oversight-cli-'));
    const dataDir = join(root, 'not', 'there', 'yet');
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', OVERSIGHT_DATA_DIR: dataDir });
    const orm = await MikroORM.init(createOrmOptions(config, { logger: () => undefined }));
    try {
      await orm.migrator.up();
      expect(await orm.migrator.getPending()).toEqual([]);
    } finally {
      await orm.close(true);
    }
    expect((await stat(dataDir)).isDirectory()).toBe(true);
  });
});
