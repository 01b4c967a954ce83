/**
 * The HTTP side of the reliability tests: one request, and a bounded loop of concurrent clients. Free of app
 * imports, so the load worker (load-worker.ts) does not load the app it measures.
 */

export interface Reply {
  status: number;
  body: unknown;
  text: string;
  retryAfter: string | null;
  /** ms since the load started, when the request was sent and answered. */
  sentAt: number;
  answeredAt: number;
}

/** One HTTP request; a network failure is reported as status 0. */
export async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  t0 = 0,
): Promise<Reply> {
  const sentAt = performance.now() - t0;
  try {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      status: res.status,
      body: parsed,
      text,
      retryAfter: res.headers.get('retry-after'),
      sentAt,
      answeredAt: performance.now() - t0,
    };
  } catch (error) {
    return {
      status: 0,
      body: undefined,
      text: String(error),
      retryAfter: null,
      sentAt,
      answeredAt: performance.now() - t0,
    };
  }
}

/**
 * Runs `clients` loops concurrently until `durationMs` has passed (each loop stops by itself after its
 * current request). Returns when every loop has finished.
 */
export async function runClients(
  clients: number,
  durationMs: number,
  step: (client: number, iteration: number) => Promise<void>,
): Promise<void> {
  const deadline = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) await step(client, i);
    }),
  );
}
