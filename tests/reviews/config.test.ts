import { describe, expect, it } from 'vitest';
import { ConfigError, INSECURE_DEVELOPMENT_KEY, loadConfig } from '../../src/config.js';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');
const prod = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u:p@db:5432/oversight',
  EMBEDDING_API_KEY: 'sk-production',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('reviews settings', () => {
  it('have documented defaults: 5 s timeout, 6 attempts, worker on except under test, loopback refused', () => {
    const dev = loadConfig({});
    expect(dev.webhooks).toEqual({
      workerEnabled: true,
      pollIntervalMs: 1000,
      timeoutMs: 5000,
      maxAttempts: 6,
      backoffBaseMs: 10_000,
      backoffMaxMs: 3_600_000,
      allowLoopback: false,
      allowPrivate: false,
    });
    expect(dev.reviews.defaultTtlSeconds).toBe(86_400);
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks.workerEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', WEBHOOK_WORKER_ENABLED: 'true' }).webhooks.workerEnabled).toBe(
      true,
    );
    expect(loadConfig({ WEBHOOK_ALLOW_LOOPBACK: '1', WEBHOOK_MAX_ATTEMPTS: '3' }).webhooks).toMatchObject({
      allowLoopback: true,
      maxAttempts: 3,
    });
  });

  it('refuse out-of-range values, naming the variable', () => {
    const found = problems({
      WEBHOOK_TIMEOUT_MS: '5',
      WEBHOOK_MAX_ATTEMPTS: '0',
      WEBHOOK_ALLOW_PRIVATE: 'maybe',
      CONSULTATION_DEFAULT_TTL_SECONDS: '10',
    });
    expect(found.join('\n')).toMatch(/WEBHOOK_TIMEOUT_MS="5" is not allowed/);
    expect(found.join('\n')).toMatch(/WEBHOOK_MAX_ATTEMPTS="0"/);
    expect(found.join('\n')).toMatch(/WEBHOOK_ALLOW_PRIVATE="maybe"/);
    expect(found.join('\n')).toMatch(/CONSULTATION_DEFAULT_TTL_SECONDS="10"/);
    expect(problems({ WEBHOOK_BACKOFF_BASE_MS: '5000', WEBHOOK_BACKOFF_MAX_MS: '1000' })[0]).toMatch(
      /WEBHOOK_BACKOFF_MAX_MS=1000 is not allowed/,
    );
  });

  it('use the insecure development key only outside production; production requires a key', () => {
    const dev = loadConfig({});
    expect(dev.encryption.insecureDevelopmentKey).toBe(true);
    expect(dev.encryption.current).toEqual(INSECURE_DEVELOPMENT_KEY);
    expect(problems(prod)[0]).toMatch(/NODE_ENV=production needs OVERSIGHT_ENCRYPTION_KEY/);
    const ok = loadConfig({ ...prod, OVERSIGHT_ENCRYPTION_KEY: KEY_A });
    expect(ok.encryption.insecureDevelopmentKey).toBe(false);
    expect(ok.encryption.current.key.equals(Buffer.alloc(32, 1))).toBe(true);
    expect(ok.encryption.current.id).toMatch(/^[0-9a-f]{8}$/);
  });

  it('accept old keys for rotation and hide key values in errors', () => {
    const c = loadConfig({
      OVERSIGHT_ENCRYPTION_KEY: KEY_B,
      OVERSIGHT_ENCRYPTION_OLD_KEYS: `${KEY_A},${KEY_B}`,
    });
    expect(c.encryption.previous.map((k) => k.key[0])).toEqual([1]); // the current key is not repeated
    const bad = problems({ OVERSIGHT_ENCRYPTION_KEY: 'c2hvcnQ=', OVERSIGHT_ENCRYPTION_OLD_KEYS: 'nope' });
    expect(bad.join('\n')).toMatch(/OVERSIGHT_ENCRYPTION_KEY=\(value hidden\)/);
    expect(bad.join('\n')).toMatch(/OVERSIGHT_ENCRYPTION_OLD_KEYS=\(value hidden\)/);
    expect(bad.join('\n')).not.toContain('c2hvcnQ=');
  });
});
