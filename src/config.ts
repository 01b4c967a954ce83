/**
 * Settings: read once from the environment into a typed, validated object.
 *
 * `EnvSchema` is the contract (exported so tests can exercise it); `loadConfig(env)` applies defaults,
 * converts strings to numbers/booleans, validates and derives the database target. A bad value throws
 * one `ConfigError` naming every offending variable and what it allows; secret values are never echoed.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { createHash } from 'node:crypto';
import type { SignInLimits } from './modules/identity/sign-in-throttle.js';

/** OpenAI's API, the default EMBEDDING_BASE_URL. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

const Bool = (description: string, def: boolean) =>
  Type.Boolean({ default: def, description: `${description}; one of true, false, 1, 0` });

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'test', 'production'], {
    default: 'development',
    description: 'one of development, test, production',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'a postgres:// or postgresql:// connection URL',
      secret: true,
    }),
  ),
  POSTGRES_HOST: Type.Optional(Type.String({ minLength: 1, description: 'a host name or address' })),
  POSTGRES_PORT: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 65535, description: 'an integer from 1 to 65535' }),
  ),
  POSTGRES_DB: Type.Optional(Type.String({ minLength: 1, description: 'a database name' })),
  POSTGRES_USER: Type.Optional(Type.String({ minLength: 1, description: 'a role name' })),
  POSTGRES_PASSWORD: Type.Optional(Type.String({ description: 'a password', secret: true })),
  DATABASE_REPLICA_URLS: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://[^,\\s]+(,postgres(ql)?://[^,\\s]+)*$',
      description:
        'comma-separated postgres:// URLs of streaming read replicas; the read models (GET lists and lookups) use them',
      secret: true,
    }),
  ),
  DATABASE_REPLICA_MAX_LAG_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 5000,
    description:
      'an integer number of milliseconds from 0 to 3600000: a replica further behind the primary is skipped',
  }),
  DATABASE_REPLICA_CHECK_INTERVAL_MS: Type.Integer({
    minimum: 50,
    maximum: 60_000,
    default: 500,
    description: 'an integer number of milliseconds from 50 to 60000 between two checks of each replica',
  }),
  DATABASE_DIRECT_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description:
        'a postgres:// URL of a session connection to the primary (not through a transaction pooler such as PgBouncer) for LISTEN/NOTIFY; default DATABASE_URL',
      secret: true,
    }),
  ),
  OVERSIGHT_DATA_DIR: Type.String({
    minLength: 1,
    default: './.data/pglite',
    description: 'a directory for the embedded database, or memory:// for a throwaway one',
  }),
  DB_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 50,
    default: 5,
    description: 'an integer from 1 to 50',
  }),
  DB_MAX_OVERFLOW: Type.Integer({
    minimum: 0,
    maximum: 100,
    default: 10,
    description: 'an integer from 0 to 100',
  }),
  DB_ECHO: Bool('log every SQL statement', false),
  EMBEDDING_MODEL: Type.String({
    minLength: 1,
    default: 'text-embedding-3-small',
    description: 'an embedding model name',
  }),
  EMBEDDING_API_KEY: Type.Optional(
    Type.String({ minLength: 1, description: 'an API key for the embedding provider', secret: true }),
  ),
  EMBEDDING_DIMENSIONS: Type.Literal(1536, {
    default: 1536,
    description: '1536 (memories.embedding is vector(1536); another size needs a migration)',
  }),
  EMBEDDING_PROVIDER: Type.Optional(
    Type.Enum(['openai', 'demo'], {
      description:
        'one of openai (an OpenAI-compatible /v1/embeddings endpoint), demo (a word-hashing stand-in for local demos, refused in production); default openai when EMBEDDING_API_KEY or EMBEDDING_BASE_URL is set or NODE_ENV=production, else demo',
    }),
  ),
  EMBEDDING_BASE_URL: Type.String({
    pattern: '^https?://[^/@\\s]+(/[^\\s]*)?$',
    default: OPENAI_BASE_URL,
    description:
      'the http(s) base URL of an OpenAI-compatible API, without credentials; /embeddings is appended (e.g. https://api.openai.com/v1)',
    // a refused value may carry credentials: never echo it
    secret: true,
  }),
  EMBEDDING_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
    description: 'an integer number of milliseconds from 100 to 120000: timeout of one embedding request',
  }),
  EMBEDDING_MAX_RETRIES: Type.Integer({
    minimum: 0,
    maximum: 10,
    default: 2,
    description:
      'an integer from 0 to 10: retries of an embedding request after a timeout, a network error, HTTP 429 or 5xx',
  }),
  PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 3000,
    description: 'an integer from 0 to 65535',
  }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'an address to listen on' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'one of fatal, error, warn, info, debug, trace, silent',
  }),
  SEED_DEMO: Type.Optional(
    Type.Boolean({
      description:
        'load demo data into an empty database at start-up (default true, false in production); one of true, false, 1, 0',
    }),
  ),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 100 * 1024 * 1024,
    default: 5 * 1024 * 1024,
    description: 'an integer number of bytes from 1024 to 104857600',
  }),
  // --- sign-in throttle (POST /api/v1/auth/login and the inbox's sign-in form) ---
  SIGN_IN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 5,
    description: 'an integer from 1 to 1000: failed sign-ins for one email within the window before 429',
  }),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 20,
    description: 'an integer from 1 to 100000: failed sign-ins from one address within the window before 429',
  }),
  SIGN_IN_WINDOW_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 900,
    description: 'an integer number of seconds from 1 to 86400: the window failed sign-ins are counted in',
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    pattern: '^(true|false|[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*)$',
    description:
      'which proxies may set X-Forwarded-For/-Proto: false (none), true (any), or comma-separated addresses/CIDRs',
  }),
  // --- reviews: consultation requests, webhooks, secrets at rest ---
  OVERSIGHT_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/]{43}=$',
      description:
        'a 32-byte key in base64 (44 characters; `openssl rand -base64 32`) that encrypts webhook secrets; required in production',
      secret: true,
    }),
  ),
  OVERSIGHT_ENCRYPTION_OLD_KEYS: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/]{43}=(,[A-Za-z0-9+/]{43}=)*$',
      description:
        'comma-separated former 32-byte base64 keys, still accepted for decryption during a rotation',
      secret: true,
    }),
  ),
  CONSULTATION_DEFAULT_TTL_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 30 * 24 * 3600,
    default: 24 * 3600,
    description:
      'an integer number of seconds from 60 to 2592000 (30 days): lifetime of a request without expiresAt',
  }),
  WEBHOOK_WORKER_ENABLED: Type.Optional(
    Type.Boolean({
      description:
        'run the background worker (webhook deliveries, request expiry, conversation retention) inside the API process (default true, false when NODE_ENV=test); one of true, false, 1, 0',
    }),
  ),
  WEBHOOK_POLL_INTERVAL_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 1000,
    description: 'an integer number of milliseconds from 10 to 60000 between two worker passes',
  }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5000,
    description: 'an integer number of milliseconds from 100 to 60000: timeout of one delivery attempt',
  }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 20,
    default: 6,
    description: 'an integer from 1 to 20: attempts per event before it is abandoned',
  }),
  WEBHOOK_BACKOFF_BASE_MS: Type.Integer({
    minimum: 10,
    maximum: 3_600_000,
    default: 10_000,
    description:
      'an integer number of milliseconds from 10 to 3600000: delay before attempt 2 (doubled each time)',
  }),
  WEBHOOK_BACKOFF_MAX_MS: Type.Integer({
    minimum: 10,
    maximum: 86_400_000,
    default: 3_600_000,
    description: 'an integer number of milliseconds from 10 to 86400000: the longest delay between attempts',
  }),
  // --- agents: conversation retention (organizations.conversation_retention_days) ---
  CONVERSATION_RETENTION_INTERVAL_MS: Type.Integer({
    minimum: 1000,
    maximum: 86_400_000,
    default: 3_600_000,
    description:
      'an integer number of milliseconds from 1000 to 86400000 between two passes of the conversation retention job',
  }),
  CONVERSATION_RETENTION_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 500,
    description: 'an integer from 1 to 10000: conversations deleted per statement by the retention job',
  }),
  WEBHOOK_ALLOW_LOOPBACK: Bool('allow webhook destinations on loopback addresses (127.0.0.0/8, ::1)', false),
  WEBHOOK_ALLOW_PRIVATE: Bool(
    'allow webhook destinations on private, link-local and other non-public addresses',
    false,
  ),
  // --- MCP endpoint (docs/mcp.md) ---
  MCP_ALLOWED_HOSTS: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9.:\\[\\]-]+(,[A-Za-z0-9.:\\[\\]-]+)*$',
      description:
        'comma-separated host names that /mcp answers to (Host and Origin headers; DNS rebinding protection); ' +
        'default: localhost, 127.0.0.1 and [::1], plus HOST when it is a specific address',
    }),
  ),
  MCP_DEFAULT_WAIT_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 45,
    description:
      'an integer number of seconds from 0 to 3600: how long ask_human waits when the agent does not say',
  }),
  MCP_MAX_WAIT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 900,
    description:
      'an integer number of seconds from 1 to 3600: the longest wait an agent may ask ask_human for',
  }),
  MCP_PROGRESS_INTERVAL_MS: Type.Integer({
    minimum: 50,
    maximum: 600_000,
    default: 10_000,
    description:
      'an integer number of milliseconds from 50 to 600000 between two progress notifications of a waiting ask_human',
  }),
});
export type Env = Static<typeof EnvSchema>;

/** Seed 003's defaults for the POSTGRES_* variables. */
export const POSTGRES_DEFAULTS = {
  host: 'localhost',
  port: 5432,
  database: 'airlock',
  user: 'airlock',
  password: 'airlock',
} as const;

/** One PostgreSQL server to connect to. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  /** Extra connection parameters from the URL's query string (e.g. sslmode). */
  options: Record<string, string>;
}

export interface PostgresTarget extends PostgresEndpoint {
  engine: 'postgresql';
  poolSize: number;
  maxOverflow: number;
  /** Streaming replicas for the read models (src/db/replicas.ts); empty: everything reads from the primary. */
  replicas: PostgresEndpoint[];
  /** A replica further behind than this is skipped. */
  replicaMaxLagMs: number;
  replicaCheckIntervalMs: number;
  /** A session connection (LISTEN/NOTIFY) when the primary is reached through a transaction pooler. */
  direct: PostgresEndpoint | undefined;
}

export interface PgliteTarget {
  engine: 'pglite';
  /** A directory path, or `memory://` for a throwaway database. */
  dataDir: string;
}

export type DatabaseTarget = PostgresTarget | PgliteTarget;

export interface AppConfig {
  env: Env['NODE_ENV'];
  database: DatabaseTarget;
  dbEcho: boolean;
  embedding: EmbeddingSettings;
  http: {
    host: string;
    port: number;
    bodyLimit: number;
    /** Fastify's `trustProxy`: whose X-Forwarded-Proto decides that a request came over HTTPS (HSTS). */
    trustProxy: boolean | string;
  };
  logLevel: string;
  seedDemo: boolean;
  signIn: SignInLimits;
  reviews: { defaultTtlSeconds: number };
  webhooks: WebhookSettings;
  retention: RetentionSettings;
  encryption: EncryptionKeys;
  mcp: McpSettings;
}

export interface McpSettings {
  /** Host names (without port) that /mcp accepts in Host and Origin. */
  allowedHosts: string[];
  defaultWaitSeconds: number;
  maxWaitSeconds: number;
  progressIntervalMs: number;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** The host names /mcp answers to: the configured list, else loopback names plus a specific HOST. */
function mcpAllowedHosts(configured: string | undefined, listenHost: string): string[] {
  if (configured) return [...new Set(configured.split(',').map((h) => h.trim().toLowerCase()))];
  const host = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  return WILDCARD_HOSTS.has(host) || LOOPBACK_NAMES.includes(host)
    ? LOOPBACK_NAMES
    : [...LOOPBACK_NAMES, host.toLowerCase()];
}

/** Seed 004 FR-11's embedding settings, and how to reach the provider (src/modules/agents/embedder.ts). */
export interface EmbeddingSettings {
  /** `openai`: an OpenAI-compatible /v1/embeddings endpoint; `demo`: the local stand-in (never in production). */
  provider: 'openai' | 'demo';
  baseUrl: string;
  model: string;
  /** Secret: sent as a bearer token, never logged or shown. */
  apiKey: string | undefined;
  dimensions: number;
  timeoutMs: number;
  maxRetries: number;
}

/** The conversation retention job (src/modules/agents/conversation-retention.ts). */
export interface RetentionSettings {
  intervalMs: number;
  batchSize: number;
}

export interface WebhookSettings {
  workerEnabled: boolean;
  pollIntervalMs: number;
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  allowLoopback: boolean;
  allowPrivate: boolean;
}

export interface EncryptionKey {
  /** Stored with every ciphertext: the first 8 hex digits of SHA-256(key), or `dev` for the insecure key. */
  id: string;
  key: Buffer;
}

/** AES-256-GCM keys: `current` encrypts; `current` and `previous` decrypt. */
export interface EncryptionKeys {
  current: EncryptionKey;
  previous: EncryptionKey[];
  /** True when no key is configured outside production: a fixed, publicly known development key. */
  insecureDevelopmentKey: boolean;
}

/** Outside production, without OVERSIGHT_ENCRYPTION_KEY: a fixed key anyone can derive. Never for real data. */
export const INSECURE_DEVELOPMENT_KEY: EncryptionKey = {
  id: 'dev',
  key: createHash('sha256').update('oversight insecure development key: do not use in production').digest(),
};

const encryptionKey = (base64: string): EncryptionKey => {
  const key = Buffer.from(base64, 'base64');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
};

/** A configuration problem found at start-up. The message never contains a secret value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const POSTGRES_VARS = ['POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_DB', 'POSTGRES_USER', 'POSTGRES_PASSWORD'];

function describe(name: string): { description: string; secret: boolean } {
  const prop = (EnvSchema.properties as Record<string, TSchema & { description?: string; secret?: boolean }>)[
    name
  ];
  return { description: prop?.description ?? 'a valid value', secret: prop?.secret === true };
}

/** Converts boolean-ish and numeric strings where the schema expects them; leaves the rest to validation. */
function pickEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const raw = env[key];
    if (raw === undefined || raw === '') continue;
    const trimmed = raw.trim();
    const kind = (EnvSchema.properties as Record<string, { type?: string; const?: unknown }>)[key];
    if (kind?.type === 'boolean') {
      const lower = trimmed.toLowerCase();
      out[key] = ['true', '1', 'yes', 'on'].includes(lower)
        ? true
        : ['false', '0', 'no', 'off'].includes(lower)
          ? false
          : trimmed;
    } else if (kind?.type === 'integer' || typeof kind?.const === 'number') {
      out[key] = /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
    } else {
      out[key] = trimmed;
    }
  }
  return out;
}

export function validateEnv(env: NodeJS.ProcessEnv): Env {
  const candidate = Value.Default(EnvSchema, pickEnv(env));
  const problems = new Map<string, string>();
  for (const error of Value.Errors(EnvSchema, candidate)) {
    const name = error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
    if (!name || problems.has(name)) continue;
    const { description, secret } = describe(name);
    const shown = secret ? '(value hidden)' : JSON.stringify(env[name]);
    problems.set(name, `${name}=${shown} is not allowed: expected ${description}`);
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
  return candidate as Env;
}

function parseDatabaseUrl(raw: string, name = 'DATABASE_URL'): PostgresEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError([
      `${name}=(value hidden) is not allowed: expected a postgres:// or postgresql:// connection URL`,
    ]);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !database) {
    throw new ConfigError([
      `${name}=(value hidden) is not allowed: expected a URL with a host and a database name, ` +
        'e.g. postgres://user:password@host:5432/dbname',
    ]);
  }
  return {
    host: decodeURIComponent(url.hostname),
    port: url.port ? Number(url.port) : 5432,
    database,
    user: decodeURIComponent(url.username) || POSTGRES_DEFAULTS.user,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    options: Object.fromEntries(url.searchParams.entries()),
  };
}

/** Reads, validates and derives the whole configuration. Throws `ConfigError`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = validateEnv(env);
  const pool = {
    engine: 'postgresql' as const,
    poolSize: e.DB_POOL_SIZE,
    maxOverflow: e.DB_MAX_OVERFLOW,
    replicas: (e.DATABASE_REPLICA_URLS ?? '')
      .split(',')
      .filter(Boolean)
      .map((url) => parseDatabaseUrl(url, 'DATABASE_REPLICA_URLS')),
    replicaMaxLagMs: e.DATABASE_REPLICA_MAX_LAG_MS,
    replicaCheckIntervalMs: e.DATABASE_REPLICA_CHECK_INTERVAL_MS,
    direct: e.DATABASE_DIRECT_URL
      ? parseDatabaseUrl(e.DATABASE_DIRECT_URL, 'DATABASE_DIRECT_URL')
      : undefined,
  };
  let database: DatabaseTarget;
  if (e.DATABASE_URL) {
    database = { ...parseDatabaseUrl(e.DATABASE_URL), ...pool };
  } else if (POSTGRES_VARS.some((v) => env[v] !== undefined && env[v] !== '')) {
    database = {
      host: e.POSTGRES_HOST ?? POSTGRES_DEFAULTS.host,
      port: e.POSTGRES_PORT ?? POSTGRES_DEFAULTS.port,
      database: e.POSTGRES_DB ?? POSTGRES_DEFAULTS.database,
      user: e.POSTGRES_USER ?? POSTGRES_DEFAULTS.user,
      // An explicitly empty POSTGRES_PASSWORD means "no password" (e.g. trust or peer authentication).
      password:
        env.POSTGRES_PASSWORD === '' ? undefined : (e.POSTGRES_PASSWORD ?? POSTGRES_DEFAULTS.password),
      options: {},
      ...pool,
    };
  } else {
    database = { engine: 'pglite', dataDir: e.OVERSIGHT_DATA_DIR };
  }
  if (database.engine === 'pglite' && (pool.replicas.length > 0 || pool.direct)) {
    throw new ConfigError([
      'DATABASE_REPLICA_URLS and DATABASE_DIRECT_URL need a PostgreSQL primary: set DATABASE_URL (or POSTGRES_HOST and friends)',
    ]);
  }
  if (e.NODE_ENV === 'production' && database.engine !== 'postgresql') {
    throw new ConfigError([
      'NODE_ENV=production needs a PostgreSQL server: set DATABASE_URL (or POSTGRES_HOST and friends); ' +
        'the embedded database is for development and tests only',
    ]);
  }
  if (e.NODE_ENV === 'production' && !e.OVERSIGHT_ENCRYPTION_KEY) {
    throw new ConfigError([
      'NODE_ENV=production needs OVERSIGHT_ENCRYPTION_KEY (32 bytes in base64, e.g. `openssl rand -base64 32`): ' +
        "it encrypts the organizations' webhook secrets",
    ]);
  }
  // A key, or a server other than OpenAI's, says a real provider is meant.
  const provider =
    e.EMBEDDING_PROVIDER ??
    (e.EMBEDDING_API_KEY || e.EMBEDDING_BASE_URL !== OPENAI_BASE_URL || e.NODE_ENV === 'production'
      ? 'openai'
      : 'demo');
  if (e.NODE_ENV === 'production' && provider === 'demo') {
    throw new ConfigError([
      'EMBEDDING_PROVIDER=demo is not allowed with NODE_ENV=production: the demo embedder knows no meaning ' +
        '(it hashes words); set EMBEDDING_PROVIDER=openai with EMBEDDING_API_KEY (and EMBEDDING_BASE_URL for ' +
        'a provider other than OpenAI)',
    ]);
  }
  if (provider === 'openai' && !e.EMBEDDING_API_KEY && e.EMBEDDING_BASE_URL === OPENAI_BASE_URL) {
    throw new ConfigError([
      'EMBEDDING_API_KEY is required for the OpenAI embedding API (EMBEDDING_PROVIDER=openai' +
        (e.NODE_ENV === 'production' ? ', the only provider allowed in production' : '') +
        '); or set EMBEDDING_BASE_URL to another OpenAI-compatible server',
    ]);
  }
  if (e.MCP_DEFAULT_WAIT_SECONDS > e.MCP_MAX_WAIT_SECONDS) {
    throw new ConfigError([
      `MCP_DEFAULT_WAIT_SECONDS=${e.MCP_DEFAULT_WAIT_SECONDS} is not allowed: expected at most MCP_MAX_WAIT_SECONDS (${e.MCP_MAX_WAIT_SECONDS})`,
    ]);
  }
  if (e.WEBHOOK_BACKOFF_MAX_MS < e.WEBHOOK_BACKOFF_BASE_MS) {
    throw new ConfigError([
      `WEBHOOK_BACKOFF_MAX_MS=${e.WEBHOOK_BACKOFF_MAX_MS} is not allowed: expected at least WEBHOOK_BACKOFF_BASE_MS (${e.WEBHOOK_BACKOFF_BASE_MS})`,
    ]);
  }
  const current = e.OVERSIGHT_ENCRYPTION_KEY
    ? encryptionKey(e.OVERSIGHT_ENCRYPTION_KEY)
    : INSECURE_DEVELOPMENT_KEY;
  const previous = (e.OVERSIGHT_ENCRYPTION_OLD_KEYS ?? '')
    .split(',')
    .filter(Boolean)
    .map(encryptionKey)
    .filter((k) => k.id !== current.id);
  return {
    env: e.NODE_ENV,
    database,
    dbEcho: e.DB_ECHO,
    embedding: {
      provider,
      baseUrl: e.EMBEDDING_BASE_URL,
      model: e.EMBEDDING_MODEL,
      apiKey: e.EMBEDDING_API_KEY,
      dimensions: e.EMBEDDING_DIMENSIONS,
      timeoutMs: e.EMBEDDING_TIMEOUT_MS,
      maxRetries: e.EMBEDDING_MAX_RETRIES,
    },
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimit: e.BODY_LIMIT_BYTES,
      trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : e.TRUST_PROXY,
    },
    logLevel: e.LOG_LEVEL,
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV !== 'production',
    signIn: {
      maxFailuresPerAccount: e.SIGN_IN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerAddress: e.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: e.SIGN_IN_WINDOW_SECONDS,
    },
    reviews: { defaultTtlSeconds: e.CONSULTATION_DEFAULT_TTL_SECONDS },
    webhooks: {
      workerEnabled: e.WEBHOOK_WORKER_ENABLED ?? e.NODE_ENV !== 'test',
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: e.WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: e.WEBHOOK_BACKOFF_MAX_MS,
      allowLoopback: e.WEBHOOK_ALLOW_LOOPBACK,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    },
    retention: {
      intervalMs: e.CONVERSATION_RETENTION_INTERVAL_MS,
      batchSize: e.CONVERSATION_RETENTION_BATCH_SIZE,
    },
    encryption: { current, previous, insecureDevelopmentKey: !e.OVERSIGHT_ENCRYPTION_KEY },
    mcp: {
      allowedHosts: mcpAllowedHosts(e.MCP_ALLOWED_HOSTS, e.HOST),
      defaultWaitSeconds: e.MCP_DEFAULT_WAIT_SECONDS,
      maxWaitSeconds: e.MCP_MAX_WAIT_SECONDS,
      progressIntervalMs: e.MCP_PROGRESS_INTERVAL_MS,
    },
  };
}

/** `host:port/database` (or the data directory): safe to print, never carries a password. */
export function describeDatabase(target: DatabaseTarget): string {
  return target.engine === 'postgresql'
    ? `postgresql://${target.user}@${target.host}:${target.port}/${target.database}`
    : `pglite:${target.dataDir}`;
}
