/**
 * `npm run demo:agent`: an agent that keeps asking the demo organization's people realistic questions
 * through the public API, so the inbox's live updates can be watched (open the inbox in a browser, run
 * this beside `npm start`). It signs in as the demo owner, mints a 1-hour key for the demo agent
 * `review-bot`, then posts a consultation request every few seconds (and now and then a validation that
 * needs review). Local demo only: it uses the demo accounts that `npm start` seeds.
 *
 * Settings: OVERSIGHT_URL (default http://127.0.0.1:3000), DEMO_AGENT_INTERVAL_MS (default 4000),
 * DEMO_AGENT_COUNT (default: until Ctrl+C), DEMO_EMAIL / DEMO_PASSWORD (default: the demo owner).
 */
import { DEMO_PASSWORD, DEMO_PEOPLE } from './seeders/IdentitySeeder.js';

const base = (process.env.OVERSIGHT_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const interval = Number(process.env.DEMO_AGENT_INTERVAL_MS ?? 4000);
const count = process.env.DEMO_AGENT_COUNT ? Number(process.env.DEMO_AGENT_COUNT) : Infinity;

const QUESTIONS: {
  question: string;
  options?: string[];
  priority: string;
  context: Record<string, unknown>;
}[] = [
  {
    question: 'Refund EUR 240 to a customer whose parcel was lost in transit?',
    options: ['approve', 'reject', 'ask for proof'],
    priority: 'high',
    context: {
      customer: 'Hana Petrov',
      order: 'A-88312',
      carrierTicket: 'DHL-55120',
      lifetimeValue: 'EUR 3,410',
    },
  },
  {
    question: 'Scale the checkout service from 4 to 12 instances for the sale?',
    options: ['approve', 'reject'],
    priority: 'urgent',
    context: { service: 'checkout', current: 4, proposed: 12, estimatedCostPerHour: 'USD 18.40' },
  },
  {
    question: 'Send the weekly churn report to the whole sales team?',
    options: ['send', 'hold'],
    priority: 'low',
    context: { recipients: 37, containsPersonalData: false },
  },
  {
    question: 'How should I reply to a journalist asking about last night’s outage?',
    priority: 'normal',
    context: { outlet: 'Tech Daily', deadline: 'today 17:00', incident: 'INC-2041' },
  },
  {
    question: 'Rotate the production database password now (2 minutes of read-only mode)?',
    options: ['now', 'tonight', 'no'],
    priority: 'high',
    context: { database: 'orders-primary', lastRotated: '94 days ago', policyDays: 90 },
  },
  {
    question: 'Merge the dependency update PR #4182 (23 packages, all tests green)?',
    options: ['merge', 'wait'],
    priority: 'normal',
    context: { pullRequest: 4182, packages: 23, majorUpgrades: ['react 19 → 20'], checks: 'passing' },
  },
];

const VALIDATIONS = [
  {
    actionType: 'db.migrate',
    actionDescription: 'ALTER TABLE invoices ADD COLUMN tax_region text on the primary during business hours',
    decision: 'needs_review',
    vetoLevel: 'medium',
    findings: [
      {
        layerId: 'L2',
        severity: 'medium',
        title: 'Schema change in business hours',
        description: 'Locks invoices briefly',
      },
    ],
  },
  {
    actionType: 'email.send',
    actionDescription: 'Email 4,812 customers about the new pricing',
    decision: 'needs_review',
    vetoLevel: 'weak',
    findings: [
      { layerId: 'L4', severity: 'low', title: 'Bulk email', description: 'Marketing consent checked' },
    ],
  },
];

async function call(path: string, init: { method?: string; key?: string; body?: unknown } = {}) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const email = process.env.DEMO_EMAIL ?? DEMO_PEOPLE[0]!.email;
  const password = process.env.DEMO_PASSWORD ?? DEMO_PASSWORD;
  const owner = (await call('/auth/login', { method: 'POST', body: { email, password } })).key as string;
  const agents = (await call('/agents', { key: owner })) as unknown as {
    id: string;
    slug: string;
    status: string;
  }[];
  const agent = agents.find((a) => a.slug === 'review-bot') ?? agents.find((a) => a.status === 'active');
  if (!agent) throw new Error('the demo organization has no active agent');
  const minted = await call(`/agents/${agent.id}/api-keys`, {
    method: 'POST',
    key: owner,
    body: {
      name: 'demo:agent',
      scopes: ['read', 'write'],
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    },
  });
  const key = minted.key as string;
  console.log(`demo agent '${agent.slug}' asking ${base}/inbox every ${interval} ms (Ctrl+C stops)`);
  for (let i = 0; i < count; i++) {
    if (i % 4 === 3) {
      const v = VALIDATIONS[(i >> 2) % VALIDATIONS.length]!;
      const created = await call('/validations', { method: 'POST', key, body: v });
      console.log(
        `validation ${created.id}: ${v.actionDescription}  → ${base}/inbox/validations/${created.id}`,
      );
    } else {
      const q = QUESTIONS[i % QUESTIONS.length]!;
      const created = await call('/requests', {
        method: 'POST',
        key,
        body: { ...q, context: { ...q.context, askedAt: new Date().toISOString() }, expiresInSeconds: 3600 },
      });
      console.log(
        `request ${created.id} (${q.priority}): ${q.question}  → ${base}/inbox/requests/${created.id}`,
      );
    }
    if (i + 1 < count) await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

main().catch((error: unknown) => {
  console.error(`demo:agent: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`is the app running on ${base} (npm start) with the demo data?`);
  process.exit(1);
});
