/** Factories and a local webhook receiver for the reviews tests. */
import type { EntityManager } from '@mikro-orm/core';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../../src/config.js';
import type { Agent } from '../../src/modules/agents/agent.entity.js';
import type { Organization } from '../../src/modules/identity/organization.entity.js';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import type { RequestPriority, RequestStatus } from '../../src/modules/reviews/enums.js';
import { encryptWebhookSecret } from '../../src/modules/reviews/webhook-secret.js';
import { WebhookWorker } from '../../src/modules/reviews/webhook.worker.js';
import type { TestApp } from './app.js';

export interface RequestOverrides {
  question?: string;
  options?: string[];
  answerKind?: 'choice' | 'text';
  priority?: RequestPriority;
  status?: RequestStatus;
  callbackUrl?: string | null;
  expiresAt?: Date;
  createdAt?: Date;
  assignee?: string | null;
}

/** A pending choice request asked by the agent (written directly, not through the API). */
export async function makeRequest(
  em: EntityManager,
  organization: Organization,
  agent: Agent | null,
  o: RequestOverrides = {},
): Promise<ConsultationRequest> {
  const createdAt = o.createdAt ?? new Date();
  const request = em.create(ConsultationRequest, {
    organization,
    agent,
    question: o.question ?? 'Deploy to production?',
    answerKind: o.answerKind ?? 'choice',
    options: o.answerKind === 'text' ? [] : (o.options ?? ['approve', 'reject']),
    priority: o.priority ?? 'normal',
    status: 'pending',
    callbackUrl: o.callbackUrl ?? null,
    assignee: o.assignee ?? null,
    createdAt,
    expiresAt: o.expiresAt ?? new Date(createdAt.getTime() + 3600_000),
  });
  await em.flush();
  return request;
}

/** Stores the organization's webhook secret the way the API does (encrypted). */
export async function setSecret(em: EntityManager, config: AppConfig, org: Organization, secret: string) {
  org.webhookSecret = encryptWebhookSecret(config.encryption, org.id, secret);
  await em.flush();
}

/** A worker on the test database with fast retries; loopback allowed unless said otherwise. */
export function testWorker(t: TestApp, overrides: Partial<AppConfig['webhooks']> = {}, workerId?: string) {
  return new WebhookWorker(t.db.orm, {
    settings: {
      ...t.db.config.webhooks,
      allowLoopback: true,
      backoffBaseMs: 20,
      backoffMaxMs: 200,
      pollIntervalMs: 20,
      timeoutMs: 2000,
      ...overrides,
    },
    keys: t.db.config.encryption,
    ...(workerId ? { workerId } : {}),
  });
}

export interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records every request and answers `statusFor(n)`. */
export async function startReceiver(
  statusFor: (n: number) => number = () => 200,
  delayMs: (n: number) => number = () => 0,
): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        at: performance.timeOrigin + performance.now(),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const n = received.length;
      setTimeout(() => {
        res.statusCode = statusFor(n);
        res.end(res.statusCode < 300 ? 'ok' : 'nope');
      }, delayMs(n));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/oversight`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs worker passes until `done()` or the deadline. */
export async function runUntil(
  worker: WebhookWorker,
  done: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('worker did not finish in time');
    await worker.runOnce();
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Makes the database refuse every audit entry about `resourceId` (a NOT VALID check constraint), so a
 * test can see whether a change commits without its audit row. Returns the function that lifts it.
 */
export async function refuseAuditFor(em: EntityManager, resourceId: string): Promise<() => Promise<void>> {
  const name = `test_refuse_audit_${resourceId.replaceAll('-', '_')}`;
  const connection = em.getConnection();
  await connection.execute(
    `alter table audit_logs add constraint "${name}" check (resource_id <> '${resourceId}') not valid`,
  );
  return async () => {
    await connection.execute(`alter table audit_logs drop constraint "${name}"`);
  };
}
