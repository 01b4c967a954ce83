/// <reference lib="dom" />
/**
 * Real Chromium for the inbox's end-to-end tests: Debian's `chromium` package (`.ci/run` installs it),
 * driven by playwright-core with the system executable; no browser is ever downloaded. Also axe-core
 * (injected through the DevTools protocol, so the page's CSP stays as strict as in production) and the
 * directory the screenshots go to.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Person } from './factories.js';
import { TEST_PASSWORD } from './factories.js';

export const CHROMIUM = process.env.OVERSIGHT_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the run writes its screenshots and axe results (git-ignored; the current ones are copied to docs/). */
export const ARTIFACTS = join(process.cwd(), 'test-results', 'inbox');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

export async function signIn(page: Page, base: string, who: Person, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${base}/inbox/login`);
  await page.getByLabel('Email').fill(who.user.email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL(`${base}/inbox`),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

/** Waits until htmx has connected the page's event stream (so a change after this reaches it). */
export async function waitForLive(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const w = window as unknown as { htmx?: unknown };
    const body = document.body as HTMLElement & { 'htmx-internal-data'?: { sseEventSource?: EventSource } };
    return !!w.htmx && body['htmx-internal-data']?.sseEventSource?.readyState === 1;
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.x A and AA rules and best practices) on the page; returns every violation. */
export async function axe(page: Page, name: string): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object,
          ) => Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[];
          }>;
        };
      }
    ).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
    }));
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `axe-${name}.json`), JSON.stringify(violations, null, 2));
  return violations;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
