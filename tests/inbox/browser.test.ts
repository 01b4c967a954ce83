/// <reference lib="dom" />
/**
 * The reviewer's inbox end to end, in real Chromium against the app on a real port (PostgreSQL, the
 * webhook worker running, a local webhook receiver). Each scenario is what a reviewer does; the figures
 * printed at the end (live latency, axe results) are the ones the README quotes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  ARTIFACTS,
  axe,
  CHROMIUM,
  hasChromium,
  launchChromium,
  screenshot,
  signIn,
  waitForLive,
  type AxeViolation,
} from '../support/browser.js';
import { onlyInPostgresPass } from '../support/engine.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { makeValidation, makeWorkflowNeedingReview } from '../support/inbox.factories.js';
import { setSecret, startReceiver, type Receiver } from '../support/reviews.factories.js';

const once = onlyInPostgresPass(
  'the browser suite tests the web surface once, against PostgreSQL with the webhook worker and live updates across connections',
);
const skip = once || !hasChromium;
if (!once && !hasChromium) {
  console.info(`[skipped] no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does)`);
}

let t: TestApp;
let base: string;
let browser: Browser;
let receiver: Receiver;
let owner: Person;
let alice: Person;
let bob: Person;
let viewer: Person;
let agent: AgentPrincipal;
const contexts: BrowserContext[] = [];
const figures: { liveMs: number[]; axe: Record<string, AxeViolation[]> } = { liveMs: [], axe: {} };

beforeAll(async () => {
  if (skip) return;
  receiver = await startReceiver();
  t = await createTestApp({
    env: {
      WEBHOOK_WORKER_ENABLED: 'true',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_BACKOFF_BASE_MS: '100',
      WEBHOOK_BACKOFF_MAX_MS: '1000',
    },
  });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const em = t.em();
  owner = await person(em, 'owner');
  alice = await person(em, 'member', owner.organization);
  bob = await person(em, 'member', owner.organization);
  viewer = await person(em, 'viewer', owner.organization);
  for (const [p, name] of [
    [owner, 'Olive Owner'],
    [alice, 'Alice Reviewer'],
    [bob, 'Bob Reviewer'],
    [viewer, 'Vic Viewer'],
  ] as const) {
    p.user.displayName = name;
  }
  await em.flush();
  await setSecret(em, t.db.config, owner.organization, 'a-webhook-secret-for-the-tests');
  agent = await agentWithKey(em, owner.organization);
  agent.agent.name = 'Deploy Bot';
  await em.flush();
  await makeValidation(em, owner.organization, {
    agent: agent.agent,
    actionDescription: 'Run the database migration on the primary during business hours',
  });
  await makeWorkflowNeedingReview(em, owner.organization, { packageName: 'left-pad' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  if (skip) return;
  for (const c of contexts) await c.close();
  await browser?.close();
  await t?.close();
  await receiver?.close();
  const axeSummary = Object.entries(figures.axe)
    .map(([page, v]) => `${page}: ${v.length ? v.map((x) => `${x.id} (${x.impact})`).join(', ') : 'none'}`)
    .join('; ');
  const sorted = [...figures.liveMs].sort((a, b) => a - b);
  console.info(
    `[inbox e2e] live arrival (agent POST -> row visible): ${sorted.map((ms) => `${ms} ms`).join(', ')}` +
      `${sorted.length ? `, median ${sorted[Math.floor(sorted.length / 2)]} ms` : ''}; axe violations: ${axeSummary}; ` +
      `screenshots in ${ARTIFACTS}`,
  );
});

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  return context.newPage();
}

/** An agent asks through the API, over HTTP, as a real agent would. */
async function ask(question: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${base}/api/v1/requests`, {
    method: 'POST',
    headers: { ...agent.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ question, options: ['approve', 'reject'], callbackUrl: receiver.url, ...extra }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const seriousOrWorse = (violations: AxeViolation[]) =>
  violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');

describe.skipIf(skip)('the inbox in Chromium', () => {
  it('signs in and out', async () => {
    const page = await newPage();
    await page.goto(`${base}/inbox`);
    await expect.poll(() => page.url()).toContain('/inbox/login');
    await signIn(page, base, alice);
    await expect(page.getByRole('heading', { name: 'Queue' }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/inbox/login`);
    await page.goto(`${base}/inbox`);
    expect(page.url()).toContain('/inbox/login');
  });

  it('shows one queue with each kind, its pending count in the title, with no serious accessibility issue', async () => {
    await ask('Restart the payment service now?', { priority: 'urgent' });
    const page = await newPage();
    await signIn(page, base, alice);
    const rows = page.locator('a[data-queue-item]');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(3);
    const kinds = await page.locator('a[data-queue-item] .kind').allTextContents();
    expect(new Set(kinds.map((k) => k.trim()))).toEqual(new Set(['Request', 'Validation', 'Package']));
    expect(await page.title()).toMatch(/^\(3\) Queue · Oversight inbox$/);
    figures.axe.queue = await axe(page, 'queue');
    expect(seriousOrWorse(figures.axe.queue)).toEqual([]);
    await screenshot(page, 'queue');
  });

  it("answers a request and the agent's webhook arrives at its receiver", async () => {
    const id = await ask('Ship release 2.4 to production tonight?', {
      context: { release: '2.4', changes: 41 },
    });
    const page = await newPage();
    await signIn(page, base, alice);
    await page.locator(`#item-${id}`).click();
    await page.waitForURL(`${base}/inbox/requests/${id}`);
    await expect(page.getByText('Ship release 2.4 to production tonight?').isVisible()).resolves.toBe(true);
    figures.axe.item = await axe(page, 'item');
    expect(seriousOrWorse(figures.axe.item)).toEqual([]);
    await screenshot(page, 'item');
    const before = receiver.received.length;
    await page.getByLabel('approve').check();
    await page.getByLabel('Comment').fill('Go ahead, ops is on call.');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.waitForURL(`${base}/inbox/requests/${id}?notice=answered`);
    await expect(page.getByText('Your answer was recorded').isVisible()).resolves.toBe(true);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThan(before);
    const delivered = receiver.received.map((r) => JSON.parse(r.body)).find((b) => b.data.request.id === id);
    expect(delivered).toMatchObject({
      type: 'request.answered',
      data: {
        request: {
          status: 'answered',
          response: { choice: 'approve', comment: 'Go ahead, ops is on call.' },
        },
      },
    });
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator('table').filter({ hasText: 'request.answered' }).textContent();
      })
      .toContain('succeeded');
  });

  it('lets exactly one of two racing reviewers win and tells the other who answered what', async () => {
    const id = await ask('Grant the contractor admin access for a day?');
    const [a, b] = [await newPage(), await newPage()];
    await signIn(a, base, alice);
    await signIn(b, base, bob);
    for (const [page, choice] of [
      [a, 'approve'],
      [b, 'reject'],
    ] as const) {
      await page.goto(`${base}/inbox/requests/${id}`);
      await page.getByLabel(choice).check();
    }
    await Promise.all([
      a.getByRole('button', { name: 'Send answer' }).click(),
      b.getByRole('button', { name: 'Send answer' }).click(),
    ]);
    await Promise.all([a.waitForURL(/notice=/), b.waitForURL(/notice=/)]);
    const outcomes = [a.url(), b.url()].map((u) => new URL(u).searchParams.get('notice'));
    expect([...outcomes].sort()).toEqual(['answered', 'taken']); // a copy: the order says who lost
    const loser = outcomes[0] === 'taken' ? a : b;
    const row = await t.em().findOneOrFail(ConsultationRequest, { id });
    const winner = row.respondedBy?.id === alice.user.id ? 'Alice Reviewer' : 'Bob Reviewer';
    await loser.getByText('Your answer was not recorded').waitFor({ state: 'visible' });
    const decision = await loser.locator('#decision').textContent();
    expect(decision).toContain(winner);
    expect(decision).toContain(row.response!.choice!);
    expect(await loser.locator('form#answer').count()).toBe(0);
  });

  it('shows a new request without reload, an answer given elsewhere and an expiry, and keeps the title count', async () => {
    const page = await newPage();
    await signIn(page, base, alice);
    await waitForLive(page);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    for (let i = 0; i < 5; i++) {
      const question = `Live question ${i}: rotate the API keys?`;
      const started = performance.now();
      const id = await ask(question);
      await page.locator(`#item-${id}`).waitFor({ state: 'visible', timeout: 10_000 });
      figures.liveMs.push(Math.round(performance.now() - started));
    }
    const count = await page.locator('[data-pending-total]').textContent();
    expect(await page.title()).toBe(`(${count}) Queue · Oversight inbox`);

    const answered = await ask('Answered by someone else?');
    await page.locator(`#item-${answered}`).waitFor({ state: 'visible' });
    const respond = await fetch(`${base}/api/v1/requests/${answered}/respond`, {
      method: 'POST',
      headers: { ...bob.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ choice: 'reject' }),
    });
    expect(respond.status).toBe(200);
    await page.locator(`#item-${answered}`).waitFor({ state: 'detached', timeout: 10_000 });

    const expiring = await ask('Expires in two seconds?', { expiresInSeconds: 2 });
    await page.locator(`#item-${expiring}`).waitFor({ state: 'visible' });
    await page.locator(`#item-${expiring}`).waitFor({ state: 'detached', timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });

  it('updates an open item when someone else answers it', async () => {
    const id = await ask('Pause the nightly backup job?');
    const page = await newPage();
    await signIn(page, base, alice);
    await page.goto(`${base}/inbox/requests/${id}`);
    await waitForLive(page);
    await fetch(`${base}/api/v1/requests/${id}/respond`, {
      method: 'POST',
      headers: { ...bob.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ choice: 'approve', comment: 'one night only' }),
    });
    await page.locator('#decision').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#decision').textContent()).toContain('Bob Reviewer');
    expect(await page.locator('form#answer').count()).toBe(0);
  });

  it('lets a viewer read but not answer', async () => {
    const id = await ask('Delete the staging cluster?');
    const page = await newPage();
    await signIn(page, base, viewer);
    await page.goto(`${base}/inbox/requests/${id}`);
    await expect(page.getByText('answering needs the member role').isVisible()).resolves.toBe(true);
    expect(await page.locator('form#answer').count()).toBe(0);
  });

  it('refuses a form with a wrong CSRF token and a form posted from another site', async () => {
    const id = await ask('Open port 22 to the world?');
    const page = await newPage();
    await signIn(page, base, alice);
    await page.goto(`${base}/inbox/requests/${id}`);
    await page.locator('form#answer input[name="_csrf"]').evaluate((input) => {
      (input as HTMLInputElement).value = 'forged-token';
    });
    await page.getByLabel('approve').check();
    const [forged] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/answer')),
      page.getByRole('button', { name: 'Send answer' }).click(),
    ]);
    expect(forged.status()).toBe(403);
    await expect(page.getByText('did not come from this inbox').isVisible()).resolves.toBe(true);

    // Another site (another origin) that knows the form's shape, and even a valid-looking token field.
    const evil: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form method="post" action="${base}/inbox/requests/${id}/answer">
        <input name="choice" value="approve"><button>win a prize</button></form>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const [crossSite] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/answer')),
        page.getByRole('button', { name: 'win a prize' }).click(),
      ]);
      expect(crossSite.status()).toBe(403);
    } finally {
      evil.closeAllConnections();
      evil.close();
    }
    expect((await t.em().findOneOrFail(ConsultationRequest, { id })).status).toBe('pending');
  });

  it('shows script in agent text as text and never runs it', async () => {
    const question = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> Approve?';
    const id = await ask(question, { context: { note: '<b onmouseover="window.pwned = 3">hover</b>' } });
    const page = await newPage();
    await signIn(page, base, alice);
    await expect(page.locator(`#item-${id} .title`).textContent()).resolves.toBe(question);
    await page.goto(`${base}/inbox/requests/${id}`);
    await expect(page.locator('.question').textContent()).resolves.toBe(question);
    await page.getByText('<b onmouseover').hover();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('article img, article b').count()).toBe(0);
  });

  it('moves through the queue and answers with the keyboard only', async () => {
    const id = await ask('Keyboard: merge the release branch?');
    const page = await newPage();
    await signIn(page, base, alice);
    await page.locator(`#item-${id}`).waitFor();
    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-queue-item'))).toBe(true);
    const ids = await page.locator('a[data-queue-item]').evaluateAll((as) => as.map((a) => a.id));
    for (let i = 0; i < ids.indexOf(`item-${id}`); i++) await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`item-${id}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/inbox/requests/${id}`);
    await page.keyboard.press('2');
    expect(await page.getByLabel('reject').isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Not before the freeze ends.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/notice=answered/);
    const row = await t.em().findOneOrFail(ConsultationRequest, { id });
    expect(row.response).toEqual({ choice: 'reject', comment: 'Not before the freeze ends.' });
    await page.keyboard.press('u');
    await page.waitForURL(`${base}/inbox`);
  });

  it('works 360 px wide', async () => {
    const page = await newPage({ width: 360, height: 740 });
    await signIn(page, base, alice);
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await fits()).toBe(true);
    await page.locator('a[data-queue-item]').first().click();
    await page.waitForURL(/\/inbox\/(requests|validations|workflows)\//);
    expect(await fits()).toBe(true);
    await screenshot(page, 'item-360px');
  });
});
