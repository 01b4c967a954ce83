/** Lockfiles and allow-lists for the packages context's tests. */
import type { EntityManager } from '@mikro-orm/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestApp } from './app.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { LicenseAllowlist } from '../../src/modules/packages/license-allowlist.entity.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Reads a JSON file relative to the repository root. */
export const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`${root}${path}`, 'utf8')) as Record<string, unknown>;

/** Real lockfiles written by npm: v1 (npm 6), v2 (npm 11) and this project's own (v3). */
export const lockfiles = {
  v1: () => readJson('tests/fixtures/lockfiles/v1/package-lock.json'),
  v2: () => readJson('tests/fixtures/lockfiles/v2/package-lock.json'),
  v3: () => readJson('package-lock.json'),
};

/**
 * The distinct name@version each fixture installs, sorted: what npm resolved, read off the fixtures by eye.
 * v1: `x` is the alias npm:is-number@7, is-number@6 is nested under is-odd, the file: dependency is left out.
 * v2: the workspace member @fixture/util and its link are left out; its dependency @sindresorhus/is is not.
 */
export const FIXTURE_PACKAGES = {
  v1: [
    '@types/ms@0.7.34',
    'is-number@4.0.0',
    'is-number@6.0.0',
    'is-number@7.0.0',
    'is-odd@3.0.1',
    'ms@2.1.3',
  ],
  v2: [
    '@sindresorhus/is@4.6.0',
    '@types/ms@0.7.34',
    'is-number@4.0.0',
    'is-number@6.0.0',
    'is-number@7.0.0',
    'is-odd@3.0.1',
    'ms@2.1.3',
  ],
};

/** The raw text of a fixture, for byte-size and malformed-JSON tests. */
export const lockfileText = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

/** Puts these licenses on the organization's allow-list (active). */
export async function allowLicenses(
  em: EntityManager,
  organization: Organization,
  ids: string[],
): Promise<void> {
  for (const licenseIdentifier of ids) {
    em.create(LicenseAllowlist, {
      organization: em.getReference(Organization, organization.id),
      licenseIdentifier,
      licenseName: licenseIdentifier,
    });
  }
  await em.flush();
}

/** POST /api/v1/package-submissions with a lockfile. */
export function submit(t: TestApp, headers: Record<string, string>, lockfile: unknown, query = '') {
  return submitText(t, headers, JSON.stringify(lockfile), query);
}

/** POST /api/v1/package-submissions with a body as text (malformed, oversized or hostile JSON). */
export function submitText(t: TestApp, headers: Record<string, string>, body: string, query = '') {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/package-submissions${query}`,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: body,
  });
}

/** name@version of every request of a submission, sorted. */
export async function requestedPackages(t: TestApp, headers: Record<string, string>, id: string) {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/package-submissions/${id}/requests?limit=1000`,
    headers,
  });
  const items = res.json().items as { packageName: string; packageVersion: string }[];
  return items.map((r) => `${r.packageName}@${r.packageVersion}`).sort();
}

/** The text of a v1 lockfile whose dependency tree nests `depth` levels deep (built as text: no recursion). */
export function deepV1LockfileText(depth: number): string {
  return (
    '{"name":"deep","version":"1.0.0","lockfileVersion":1,"dependencies":' +
    '{"a":{"version":"1.0.0","dependencies":'.repeat(depth) +
    '{}' +
    '}}'.repeat(depth) +
    '}'
  );
}
