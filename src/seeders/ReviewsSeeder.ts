import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { loadConfig } from '../config.js';
import { Agent } from '../modules/agents/agent.entity.js';
import { Organization } from '../modules/identity/organization.entity.js';
import { User } from '../modules/identity/user.entity.js';
import { ConsultationRequest, type RequestResponse } from '../modules/reviews/consultation-request.entity.js';
import { recordWebhookEvent } from '../modules/reviews/webhook-outbox.js';
import type { RequestPriority, RequestStatus, WebhookEvent } from '../modules/reviews/enums.js';
import { WebhookDelivery } from '../modules/reviews/webhook-delivery.entity.js';
import { encryptWebhookSecret } from '../modules/reviews/webhook-secret.js';
import { DEMO_ORGANIZATION_SLUG, DEMO_PEOPLE } from './IdentitySeeder.js';

/** Local demo only: the demo organization's webhook secret (receivers verify signatures with it). */
export const DEMO_WEBHOOK_SECRET = 'oversight-demo-webhook-secret';
const CALLBACK = 'https://agent.example.com/hooks/oversight';
const HOUR = 3600_000;

interface DemoRequest {
  seed: string;
  question: string;
  options: string[];
  priority: RequestPriority;
  status: RequestStatus;
  ageHours: number;
  ttlHours: number;
  response?: RequestResponse;
  deleted?: boolean;
  /** Delivery history: HTTP status per attempt (null = timeout), for the event of this status. */
  attempts?: (number | null)[];
}

const DEMO_REQUESTS: DemoRequest[] = [
  {
    seed: 'pending-urgent',
    question: 'Wire EUR 12,400 to the new supplier account ending 4471?',
    options: ['approve', 'reject', 'escalate'],
    priority: 'urgent',
    status: 'pending',
    ageHours: 1,
    ttlHours: 24,
  },
  {
    seed: 'pending-text',
    question: 'Draft a reply to the customer whose order arrived damaged. What should it say?',
    options: [],
    priority: 'normal',
    status: 'pending',
    ageHours: 2,
    ttlHours: 48,
  },
  {
    seed: 'answered',
    question: 'Issue a full refund for order 88213 (EUR 89)?',
    options: ['approve', 'reject'],
    priority: 'high',
    status: 'answered',
    ageHours: 20,
    ttlHours: 24,
    response: { choice: 'approve', comment: 'Customer has been loyal for years.' },
    attempts: [503, 200],
  },
  {
    seed: 'expired',
    question: 'Delete 1,204 stale leads from the CRM?',
    options: ['approve', 'reject'],
    priority: 'low',
    status: 'expired',
    ageHours: 50,
    ttlHours: 24,
    attempts: [null, 500, 204],
  },
  {
    seed: 'cancelled',
    question: 'Post the release notes to the public changelog?',
    options: ['approve', 'reject'],
    priority: 'normal',
    status: 'cancelled',
    ageHours: 6,
    ttlHours: 24,
  },
  {
    seed: 'deleted',
    question: 'Rename the staging database?',
    options: ['approve', 'reject'],
    priority: 'low',
    status: 'cancelled',
    ageHours: 30,
    ttlHours: 24,
    deleted: true,
  },
];

/**
 * Demo consultation requests in every status (one soft-deleted), asked by the demo agent `review-bot`,
 * with the delivery history of the answered and expired ones. No attempt is left pending, so a local
 * worker never tries to reach the example callback URL. Idempotent: requests are found by metadata.seed.
 */
export class ReviewsSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const organization = await em.findOne(
      Organization,
      { slug: DEMO_ORGANIZATION_SLUG },
      { populate: ['webhookSecret'] },
    );
    if (!organization) return;
    const reviewer = await em.getRepository(User).findByEmail(DEMO_PEOPLE[1]!.email);
    const agent =
      (await em.findOne(Agent, { organization, slug: 'review-bot' })) ??
      em.create(Agent, {
        organization,
        name: 'Review Bot',
        slug: 'review-bot',
        tagline: 'Asks a person before it does anything risky',
        status: 'active',
      });
    if (!organization.webhookSecret) {
      organization.webhookSecret = encryptWebhookSecret(
        loadConfig().encryption,
        organization.id,
        DEMO_WEBHOOK_SECRET,
      );
    }
    const now = Date.now();
    for (const demo of DEMO_REQUESTS) {
      const existing = await em.findOne(
        ConsultationRequest,
        { organization, metadata: { seed: demo.seed } },
        { filters: false },
      );
      if (existing) continue;
      const createdAt = new Date(now - demo.ageHours * HOUR);
      const expiresAt = new Date(createdAt.getTime() + demo.ttlHours * HOUR);
      const closedAt = new Date(Math.min(now - HOUR / 2, expiresAt.getTime()));
      const request = em.create(ConsultationRequest, {
        organization,
        agent,
        question: demo.question,
        answerKind: demo.options.length ? 'choice' : 'text',
        options: demo.options,
        priority: demo.priority,
        status: demo.status,
        assignee: reviewer,
        context: { source: 'demo' },
        callbackUrl: CALLBACK,
        createdAt,
        updatedAt: demo.status === 'pending' ? createdAt : closedAt,
        expiresAt,
        metadata: { seed: demo.seed },
        ...(demo.response ? { response: demo.response, respondedBy: reviewer, respondedAt: closedAt } : {}),
        ...(demo.status === 'cancelled' ? { cancelledAt: closedAt } : {}),
        ...(demo.deleted ? { deletedAt: closedAt } : {}),
      });
      if (demo.attempts) {
        const event: WebhookEvent = demo.status === 'answered' ? 'request.answered' : 'request.expired';
        this.history(em, recordWebhookEvent(em, request, event, null), demo.attempts, closedAt);
      }
    }
    await em.flush();
  }

  /** Turns the outbox row into a finished delivery history: failed attempts, then a success. */
  private history(em: EntityManager, first: WebhookDelivery, statuses: (number | null)[], at: Date) {
    let row = first;
    let time = at.getTime();
    for (const [i, status] of statuses.entries()) {
      const ok = status !== null && status < 300;
      const last = i === statuses.length - 1;
      const next = last ? null : new Date(time + 10_000 * 2 ** i);
      Object.assign(row, {
        createdAt: new Date(time),
        startedAt: new Date(time),
        finishedAt: new Date(time + 120),
        status: ok ? 'succeeded' : last ? 'abandoned' : 'failed',
        httpStatus: status,
        durationMs: status === null ? 5000 : 120,
        error: ok ? null : status === null ? 'timed out after 5000 ms' : `HTTP ${status}`,
        nextAttemptAt: next,
        lockedBy: 'demo-seed',
      });
      if (!next) break;
      time = next.getTime();
      row = em.create(WebhookDelivery, {
        organization: first.organization,
        request: first.request,
        eventId: first.eventId,
        event: first.event,
        attempt: first.attempt + i + 1,
        status: 'pending',
        url: first.url,
        payload: first.payload,
        nextAttemptAt: next,
      });
    }
  }
}
