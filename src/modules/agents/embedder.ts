/**
 * Turning text into memory embeddings. `MemoryService` embeds a search `query` with the `Embedder` it is
 * given, so every surface (routes, MCP tools) gets the same embeddings through the service.
 *
 * Two implementations, chosen by the settings (EMBEDDING_PROVIDER): `OpenAiCompatibleEmbedder`, a client
 * of an OpenAI-compatible `/v1/embeddings` endpoint (EMBEDDING_BASE_URL, EMBEDDING_MODEL,
 * EMBEDDING_API_KEY, EMBEDDING_DIMENSIONS), and `DemoEmbedder`, the word-hashing stand-in for local
 * demos, which `loadConfig` refuses in production.
 */
import type { EmbeddingSettings } from '../../config.js';
import { DomainError } from '../../common/errors.js';
import { embedText } from './demo-embedder.js';
import { EMBEDDING_DIMENSIONS } from './enums.js';
import { scrubSecret } from '../../db/orm.js';

export interface Embedder {
  /** `openai-compatible:<model>` or `demo`: what produced the vectors (safe to show, no secrets). */
  readonly name: string;
  /** One vector of EMBEDDING_DIMENSIONS finite numbers per text, in the order given. */
  embed(texts: string[]): Promise<number[][]>;
}

/**
 * The embedding provider could not embed the text. `retryable` (503): it timed out, was unreachable or
 * overloaded (HTTP 429, 5xx) on every attempt; otherwise (502) it refused the request (HTTP 4xx: a wrong
 * key or model) or answered something that is not a usable embedding. The message never carries the API
 * key, the provider's own error text or the text being embedded.
 */
export class EmbeddingProviderError extends DomainError {
  readonly statusCode: 502 | 503;
  readonly code: string;
  constructor(
    message: string,
    readonly retryable: boolean,
    details: { attempts: number; status?: number },
  ) {
    super(message, details);
    this.statusCode = retryable ? 503 : 502;
    this.code = retryable ? 'embedding_unavailable' : 'embedding_failed';
  }
}

/** The demo stand-in as an `Embedder` (see demo-embedder.ts): for local demos and tests only. */
export class DemoEmbedder implements Embedder {
  readonly name = 'demo';
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map(embedText);
  }
}

/** Delay before retry n (1-based): 250 ms doubled each time, with jitter, at most 5 s. */
const backoff = (retry: number, baseMs: number) =>
  Math.min(baseMs * 2 ** (retry - 1), 5_000) * (0.75 + Math.random() * 0.5);

/** `Retry-After` in seconds or as an HTTP date, in milliseconds (at most 10 s), or undefined. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 10_000) : undefined;
}

interface EmbeddingsResponse {
  data?: { index?: unknown; embedding?: unknown }[];
}

interface Failure {
  retryable: boolean;
  message: string;
  status?: number;
  waitMs?: number;
}

/**
 * A client of an OpenAI-compatible embeddings API: `POST {baseUrl}/embeddings` with
 * `{ model, input: [texts], dimensions, encoding_format: "float" }` and the key as a bearer token;
 * each attempt times out after `timeoutMs`; timeouts, network errors, HTTP 429 and 5xx are retried up to
 * `maxRetries` times with exponential backoff (or the server's Retry-After); every vector of the answer
 * is checked (count, order, dimensions, finite numbers, not all zero).
 */
export class OpenAiCompatibleEmbedder implements Embedder {
  readonly name: string;
  private readonly url: string;

  constructor(
    private readonly settings: Pick<
      EmbeddingSettings,
      'baseUrl' | 'model' | 'apiKey' | 'dimensions' | 'timeoutMs' | 'maxRetries'
    >,
    private readonly options: { retryBaseMs?: number; fetch?: typeof fetch } = {},
  ) {
    this.name = `openai-compatible:${settings.model}`;
    this.url = `${settings.baseUrl.replace(/\/+$/, '')}/embeddings`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const { maxRetries } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(texts);
      if (Array.isArray(outcome)) return outcome;
      if (!outcome.retryable || attempt > maxRetries) {
        const tries = attempt === 1 ? '' : ` (${attempt} attempts)`;
        throw new EmbeddingProviderError(
          `the embedding provider ${outcome.message}${tries}`,
          outcome.retryable,
          {
            attempts: attempt,
            ...(outcome.status ? { status: outcome.status } : {}),
          },
        );
      }
      await new Promise((r) =>
        setTimeout(r, outcome.waitMs ?? backoff(attempt, this.options.retryBaseMs ?? 250)),
      );
    }
  }

  private async attempt(texts: string[]): Promise<number[][] | Failure> {
    const { apiKey, model, dimensions, timeoutMs } = this.settings;
    let response: Response;
    let body: string;
    try {
      response = await (this.options.fetch ?? fetch)(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify({ model, input: texts, dimensions, encoding_format: 'float' }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.text();
    } catch (error) {
      const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const message =
        e?.name === 'TimeoutError' || e?.name === 'AbortError'
          ? `did not answer within ${timeoutMs} ms`
          : `could not be reached (${scrubSecret(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'network error', apiKey)})`;
      return { retryable: true, message };
    }
    if (!response.ok) {
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      return {
        retryable,
        status: response.status,
        message: retryable
          ? `is unavailable (HTTP ${response.status})`
          : `refused the request (HTTP ${response.status}${response.status === 401 || response.status === 403 ? ': check EMBEDDING_API_KEY' : ''})`,
        waitMs: retryAfterMs(response.headers.get('retry-after')),
      };
    }
    return this.vectors(body, texts.length);
  }

  /** The vectors of a 2xx answer, in input order, or why they cannot be used. */
  private vectors(body: string, count: number): number[][] | Failure {
    const bad = (why: string): Failure => ({ retryable: false, message: `answered ${why}` });
    let parsed: EmbeddingsResponse;
    try {
      parsed = JSON.parse(body) as EmbeddingsResponse;
    } catch {
      return bad('something that is not JSON');
    }
    const data = Array.isArray(parsed?.data) ? parsed.data : null;
    if (!data || data.length !== count) return bad(`${data?.length ?? 'no'} embeddings for ${count} texts`);
    const vectors: number[][] = new Array(count);
    for (const [position, item] of data.entries()) {
      const index = item?.index ?? position;
      if (
        typeof index !== 'number' ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= count ||
        vectors[index]
      ) {
        return bad('embeddings with missing or repeated indexes');
      }
      const v = item?.embedding;
      if (!Array.isArray(v) || v.length !== this.settings.dimensions) {
        return bad(
          `an embedding of ${Array.isArray(v) ? v.length : 'no'} numbers, expected ${this.settings.dimensions} (EMBEDDING_MODEL, EMBEDDING_DIMENSIONS)`,
        );
      }
      if (!v.every((x) => typeof x === 'number' && Number.isFinite(x)))
        return bad('an embedding with non-finite numbers');
      if (v.every((x) => x === 0)) return bad('an all-zero embedding');
      vectors[index] = v as number[];
    }
    return vectors;
  }
}

/** The embedder the settings name. */
export function createEmbedder(settings: EmbeddingSettings): Embedder {
  if (settings.dimensions !== EMBEDDING_DIMENSIONS) {
    throw new RangeError(`EMBEDDING_DIMENSIONS must be ${EMBEDDING_DIMENSIONS} (memories.embedding)`);
  }
  return settings.provider === 'demo' ? new DemoEmbedder() : new OpenAiCompatibleEmbedder(settings);
}
