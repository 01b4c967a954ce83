/**
 * The embedding settings are used (issue 10, item 13): a client of an OpenAI-compatible
 * `/v1/embeddings` endpoint, tried here against a local HTTP server that speaks the protocol; memory
 * search by `query` goes through it; the demo embedder is refused in production.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import {
  createEmbedder,
  DemoEmbedder,
  EmbeddingProviderError,
  OpenAiCompatibleEmbedder,
} from '../../src/modules/agents/embedder.js';
import { createTestApp } from '../support/app.js';
import { axis, makeMemory } from '../support/agents.factories.js';
import { agentWithKey, person } from '../support/factories.js';
import { AgentMemoryService } from '../../src/modules/agents/agent-memory.service.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';

const KEY = 'sk-test-0123456789abcdefSECRET';

interface Seen {
  authorization: string | undefined;
  body: { model: string; input: string[]; dimensions: number; encoding_format: string };
}
type Handler = (seen: Seen, res: ServerResponse) => void;

/** Answers like OpenAI: one embedding per input, here in reverse order with their indexes. */
const ok =
  (vectorOf: (text: string) => number[] = () => axis(1)): Handler =>
  (seen, res) => {
    const data = seen.body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: vectorOf(text),
    }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ object: 'list', data: data.reverse(), model: seen.body.model, usage: {} }));
  };
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (seen, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    // like OpenAI's 401, echoing the key it was given
    res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${seen.authorization}` } }));
  };
const hang: Handler = () => undefined;
const raw =
  (body: string): Handler =>
  (_seen, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  };

let server: Server;
let baseUrl: string;
let script: Handler[] = [];
const seen: Seen[] = [];
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end();
        return;
      }
      const request = { authorization: req.headers.authorization, body: JSON.parse(text) as Seen['body'] };
      seen.push(request);
      open.add(res);
      res.on('close', () => open.delete(res));
      if (request.authorization !== `Bearer ${KEY}`) return status(401)(request, res);
      (script.shift() ?? ok())(request, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterEach(() => {
  script = [];
  seen.length = 0;
  for (const res of open) res.destroy();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const client = (
  overrides: Partial<{ apiKey: string; maxRetries: number; timeoutMs: number; baseUrl: string }> = {},
) =>
  new OpenAiCompatibleEmbedder(
    {
      baseUrl: overrides.baseUrl ?? baseUrl,
      model: 'text-embedding-3-small',
      apiKey: overrides.apiKey ?? KEY,
      dimensions: 1536,
      timeoutMs: overrides.timeoutMs ?? 2000,
      maxRetries: overrides.maxRetries ?? 2,
    },
    { retryBaseMs: 1 },
  );

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmbeddingProviderError);
  return error as EmbeddingProviderError;
};

describe('the OpenAI-compatible embedding client', () => {
  it('sends the model, the dimensions and the key as a bearer token, and returns the vectors in input order', async () => {
    script = [ok((text) => axis(text.length))];
    const vectors = await client().embed(['a', 'bb', 'ccc']);
    expect(vectors.map((v) => v.indexOf(1))).toEqual([1, 2, 3]);
    expect(seen).toEqual([
      {
        authorization: `Bearer ${KEY}`,
        body: {
          model: 'text-embedding-3-small',
          input: ['a', 'bb', 'ccc'],
          dimensions: 1536,
          encoding_format: 'float',
        },
      },
    ]);
  });

  it('retries a 503, a 429 (after its Retry-After) and a timeout, then succeeds', async () => {
    script = [status(503), status(429, { 'retry-after': '0' }), hang, ok()];
    const vectors = await client({ maxRetries: 3, timeoutMs: 300 }).embed(['hello']);
    expect(vectors).toHaveLength(1);
    expect(seen).toHaveLength(4);
  });

  it('gives up after its retries with a retryable error (503), and never retries a refusal (502)', async () => {
    script = [status(500), status(502), status(504)];
    const unavailable = await failure(client({ maxRetries: 2 }).embed(['x']));
    expect(unavailable).toMatchObject({
      statusCode: 503,
      code: 'embedding_unavailable',
      retryable: true,
      details: { attempts: 3, status: 504 },
    });
    expect(unavailable.message).toBe('the embedding provider is unavailable (HTTP 504) (3 attempts)');
    expect(seen).toHaveLength(3);

    seen.length = 0;
    const refused = await failure(client({ apiKey: `${KEY}-wrong` }).embed(['x']));
    expect(refused).toMatchObject({ statusCode: 502, code: 'embedding_failed', retryable: false });
    expect(refused.message).toMatch(/refused the request \(HTTP 401: check EMBEDDING_API_KEY\)/);
    expect(seen).toHaveLength(1);
    // the server echoed the key it was given: none of it reaches the error
    for (const shown of [refused.message, JSON.stringify(refused), String(refused.stack)]) {
      expect(shown).not.toContain('SECRET');
    }

    script = [hang];
    const timeout = await failure(client({ maxRetries: 0, timeoutMs: 150 }).embed(['x']));
    expect(timeout.message).toBe('the embedding provider did not answer within 150 ms');
    script = [];
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const nobody = `http://127.0.0.1:${(spare.address() as AddressInfo).port}/v1`;
    await new Promise((r) => spare.close(r));
    const closed = await failure(client({ baseUrl: nobody, maxRetries: 1 }).embed(['x']));
    expect(closed).toMatchObject({ statusCode: 503, details: { attempts: 2 } });
    expect(closed.message).toMatch(/could not be reached \(ECONNREFUSED\)/);
  });

  it('refuses answers that are not usable embeddings', async () => {
    const cases: [Handler, RegExp][] = [
      [raw('not json'), /not JSON/],
      [raw(JSON.stringify({ data: [] })), /0 embeddings for 1 texts/],
      [raw(JSON.stringify({ data: [{ index: 0, embedding: [1, 2, 3] }] })), /3 numbers, expected 1536/],
      [
        raw(JSON.stringify({ data: [{ index: 0, embedding: axis(0).map((x) => (x ? null : 0)) }] })),
        /non-finite/,
      ],
      [raw(JSON.stringify({ data: [{ index: 0, embedding: new Array(1536).fill(0) }] })), /all-zero/],
      [raw(JSON.stringify({ data: [{ index: 3, embedding: axis(0) }] })), /indexes/],
    ];
    for (const [handler, message] of cases) {
      script = [handler];
      const error = await failure(client().embed(['x']));
      expect(error.statusCode).toBe(502);
      expect(error.message).toMatch(message);
    }
  });
});

describe('the embedder the settings choose', () => {
  const prod = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u@db/oversight',
    OVERSIGHT_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  };

  it('is the demo stand-in only outside production; production refuses to start with it', () => {
    expect(createEmbedder(loadConfig({}).embedding)).toBeInstanceOf(DemoEmbedder);
    expect(() => loadConfig({ ...prod, EMBEDDING_PROVIDER: 'demo', EMBEDDING_API_KEY: KEY })).toThrow(
      /EMBEDDING_PROVIDER=demo is not allowed with NODE_ENV=production/,
    );
    expect(() => loadConfig(prod)).toThrow(/EMBEDDING_API_KEY is required/);
    const real = loadConfig({ ...prod, EMBEDDING_API_KEY: KEY }).embedding;
    expect(real).toMatchObject({ provider: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: KEY });
    expect(createEmbedder(real)).toBeInstanceOf(OpenAiCompatibleEmbedder);
    // another OpenAI-compatible server may need no key; a URL with credentials is refused without echoing it
    expect(loadConfig({ ...prod, EMBEDDING_BASE_URL: baseUrl }).embedding.provider).toBe('openai');
    const error = (() => {
      try {
        loadConfig({ EMBEDDING_BASE_URL: 'https://user:hunter2@embeddings.example.test/v1' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/EMBEDDING_BASE_URL=\(value hidden\) is not allowed/);
    expect(error!.message).not.toContain('hunter2');
  });

  it('embeds the query of POST /memories/search and what an agent remembers, configured from the environment', async () => {
    const t = await createTestApp({ env: { EMBEDDING_BASE_URL: baseUrl, EMBEDDING_API_KEY: KEY } });
    try {
      expect(t.app.embedder).toBeInstanceOf(OpenAiCompatibleEmbedder);
      const p = await person(t.em(), 'member');
      await makeMemory(t.em(), p.organization, { content: 'about seven', embedding: axis(7) });
      await makeMemory(t.em(), p.organization, { content: 'about eight', embedding: axis(8) });
      script = [ok((text) => (text === 'which one is seven?' ? axis(7) : axis(8)))];
      const search = () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/memories/search',
          headers: p.headers,
          payload: { query: 'which one is seven?', k: 1 },
        });
      const found = await search();
      expect(found.statusCode).toBe(200);
      expect(found.json().map((r: { memory: { content: string } }) => r.memory.content)).toEqual([
        'about seven',
      ]);
      expect(seen.map((s) => s.body.input)).toEqual([['which one is seven?']]);

      script = [status(503), status(503), status(503)];
      const unavailable = await search();
      expect(unavailable.statusCode).toBe(503);
      expect(unavailable.json()).toMatchObject({ error: 'embedding_unavailable', retryable: true });
      script = [raw(JSON.stringify({ data: [] }))];
      const broken = await search();
      expect(broken.statusCode).toBe(502);
      expect(broken.json()).toMatchObject({ error: 'embedding_failed' });
      expect(broken.body).not.toContain(KEY);

      // what an agent remembers (the MCP tool `remember`) is embedded by the same provider
      const agent = await agentWithKey(t.em(), p.organization);
      const caller = {
        kind: 'agent' as const,
        userId: null,
        agentId: agent.agent.id,
        apiKeyId: '00000000-0000-0000-0000-000000000000',
        keyOrganizationId: p.organization.id,
        scopes: ['read' as const, 'write' as const],
        organizationId: p.organization.id,
        role: 'member' as const,
      };
      seen.length = 0;
      script = [ok(() => axis(42))];
      const remembered = await new AgentMemoryService(t.em(), t.app.embedder).remember(caller, {
        content: 'the gateway is vpn-3',
      });
      expect(seen.map((s) => s.body.input)).toEqual([['the gateway is vpn-3']]);
      const stored = await t.em().findOneOrFail(Memory, { id: remembered.id });
      expect(stored.embedding!.indexOf(1)).toBe(42);
    } finally {
      await t.close();
    }
  });
});
