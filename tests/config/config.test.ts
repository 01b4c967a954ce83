import { describe, expect, it } from 'vitest';
import { ConfigError, EnvSchema, loadConfig } from '../../src/config.js';
import { connectOrm } from '../../src/db/orm.js';

describe('settings', () => {
  it('runs on the embedded database with no environment at all', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ engine: 'pglite', dataDir: './.data/pglite' });
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 3000 });
    expect(config.embedding).toEqual({
      provider: 'demo', // a local demo: no provider configured
      baseUrl: 'https://api.openai.com/v1',
      model: 'text-embedding-3-small',
      apiKey: undefined,
      dimensions: 1536,
      timeoutMs: 10_000,
      maxRetries: 2,
    });
    expect(config.seedDemo).toBe(true);
  });

  it('prefers DATABASE_URL, then POSTGRES_* with seed 003 defaults', () => {
    const fromUrl = loadConfig({
      DATABASE_URL: 'postgresql://app:s3cret@db.internal:6543/oversight?sslmode=require',
    });
    expect(fromUrl.database).toMatchObject({
      engine: 'postgresql',
      host: 'db.internal',
      port: 6543,
      database: 'oversight',
      user: 'app',
      password: 's3cret',
      poolSize: 5,
      maxOverflow: 10,
    });
    const fromParts = loadConfig({ POSTGRES_HOST: 'pg' });
    expect(fromParts.database).toMatchObject({
      engine: 'postgresql',
      host: 'pg',
      port: 5432,
      database: 'airlock',
      user: 'airlock',
      password: 'airlock',
    });
  });

  it('reads the pool bounds and caps the pool at size + overflow', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/d', DB_POOL_SIZE: '7', DB_MAX_OVERFLOW: '3' });
    const { createOrmOptions } = await import('../../src/db/orm.js');
    const options = createOrmOptions(config);
    expect(options.pool).toMatchObject({ min: 7, max: 10 });
  });

  it.each([
    ['DB_POOL_SIZE', '0', /DB_POOL_SIZE="0" is not allowed: expected an integer from 1 to 50/],
    ['DB_POOL_SIZE', '51', /an integer from 1 to 50/],
    ['DB_MAX_OVERFLOW', '101', /DB_MAX_OVERFLOW="101" is not allowed: expected an integer from 0 to 100/],
    ['PORT', 'http', /PORT="http" is not allowed/],
    ['DB_ECHO', 'maybe', /DB_ECHO="maybe" is not allowed: .*one of true, false/],
    [
      'NODE_ENV',
      'staging',
      /NODE_ENV="staging" is not allowed: expected one of development, test, production/,
    ],
    ['EMBEDDING_DIMENSIONS', '768', /EMBEDDING_DIMENSIONS="768" is not allowed: expected 1536/],
  ])('refuses %s=%s with a message naming the variable and what is allowed', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', DB_POOL_SIZE: '-1' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('never echoes a secret value', () => {
    const secret = 'hunter2-very-secret';
    for (const env of [
      { DATABASE_URL: `mysql://u:${secret}@h/d` },
      { DATABASE_URL: `postgres://u:${secret}@/` },
      { DATABASE_URL: 'postgres://u@h/d', DATABASE_REPLICA_URLS: `postgres://h/d,mysql://u:${secret}@h/d` },
      { DATABASE_URL: 'postgres://u@h/d', DATABASE_REPLICA_URLS: `postgres://u:${secret}@/` },
      { DATABASE_URL: 'postgres://u@h/d', DATABASE_DIRECT_URL: `postgres://u:${secret}@/` },
    ]) {
      try {
        loadConfig(env);
        expect.unreachable();
      } catch (error) {
        expect((error as Error).message).toContain('DATABASE_');
        expect((error as Error).message).not.toContain(secret);
      }
    }
  });

  it('reads replica URLs and a direct URL beside the primary, and refuses them without one', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:pw@pooler:6432/oversight',
      DATABASE_DIRECT_URL: 'postgres://app:pw@primary:5432/oversight',
      DATABASE_REPLICA_URLS: 'postgres://app:pw@replica-1:5432/oversight,postgresql://replica-2/oversight',
      DATABASE_REPLICA_MAX_LAG_MS: '2000',
    });
    expect(config.database).toMatchObject({
      engine: 'postgresql',
      host: 'pooler',
      port: 6432,
      direct: { host: 'primary', port: 5432, database: 'oversight' },
      replicas: [
        { host: 'replica-1', port: 5432, database: 'oversight', password: 'pw' },
        { host: 'replica-2', port: 5432, database: 'oversight' },
      ],
      replicaMaxLagMs: 2000,
    });
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://replica/oversight' })).toThrow(
      /need a PostgreSQL primary/,
    );
  });

  it('refuses to start in production without a PostgreSQL server', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /NODE_ENV=production needs a PostgreSQL server/,
    );
    const prod = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@h/d',
      OVERSIGHT_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      EMBEDDING_API_KEY: 'sk-production',
    });
    expect(prod.database.engine).toBe('postgresql');
    expect(prod.seedDemo).toBe(false);
  });

  it('exports its schema with a description for every variable', () => {
    for (const [name, schema] of Object.entries(EnvSchema.properties)) {
      expect((schema as { description?: string }).description, name).toBeTruthy();
    }
  });
});

describe('a failed connection', () => {
  it('names host, port and database but never the password', async () => {
    const password = 'Pa55word-that-must-not-leak';
    const config = loadConfig({ DATABASE_URL: `postgres://oversight:${password}@127.0.0.1:1/nowhere` });
    const logged: string[] = [];
    const error = await connectOrm(config, { logger: (m) => logged.push(m) }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1/nowhere');
    expect(message).not.toContain(password);
    expect(logged.join('\n')).not.toContain(password);
    expect(JSON.stringify(error)).not.toContain(password);
  });
});
