/**
 * Reliability helpers: an app listening on a real port, a bounded load driver, and response checks.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { AppConfig } from '../../src/config.js';

export interface Served {
  app: FastifyInstance;
  base: string;
}

/** Builds the app on the given ORM and listens on 127.0.0.1 with a port chosen by the system. */
export async function serve(config: AppConfig, orm: MikroORM): Promise<Served> {
  const app = await buildApp({ config, orm, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return { app, base: `http://127.0.0.1:${address.port}` };
}

export { call, runClients, type Reply } from './client.js';
import type { Reply } from './client.js';

/** A response body that shows internals: a stack frame, a source path or a module path. */
export function leaksInternals(text: string): boolean {
  return /\bat [\w.<>$]+ \(|\.[cm]?[jt]s:\d+|node:internal|node_modules|"stack"/.test(text);
}

/** A 503 as the API promises it: retryable, with Retry-After, and no internals. */
export function isRetryable503(reply: Reply): boolean {
  const body = reply.body as { error?: string; retryable?: boolean } | undefined;
  return (
    reply.status === 503 &&
    body?.error === 'service_unavailable' &&
    body.retryable === true &&
    reply.retryAfter !== null &&
    !leaksInternals(reply.text)
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tally(replies: Iterable<Reply>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
