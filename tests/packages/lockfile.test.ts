/** The lockfile reader and the license check on their own (no database). */
import { describe, expect, it } from 'vitest';
import { InvalidInputError, RuleViolationError } from '../../src/common/errors.js';
import { checkLicense, parseSpdx } from '../../src/modules/packages/license.js';
import { nameFromResolved, parseLockfile } from '../../src/modules/packages/lockfile.js';
import { FIXTURE_PACKAGES, lockfiles } from '../support/packages.factories.js';

const ids = (doc: unknown) =>
  parseLockfile(doc)
    .packages.map((p) => `${p.name}@${p.version}`)
    .sort();

describe('parseLockfile on real npm lockfiles', () => {
  it('v1 (npm 6): nested dependencies, the alias resolved to its real name, the file: dependency left out', () => {
    const parsed = parseLockfile(lockfiles.v1());
    expect(parsed).toMatchObject({ lockfileVersion: 1, projectName: 'fixture-v1', projectVersion: '1.0.0' });
    expect(ids(lockfiles.v1())).toEqual(FIXTURE_PACKAGES.v1); // alias x → is-number@7, nested is-number@6
    expect(parsed.packages.every((p) => p.license === null)).toBe(true); // v1 records no licenses
  });

  it('v2 (npm 11): the packages map, the workspace member and its link left out, the alias by its name field', () => {
    const parsed = parseLockfile(lockfiles.v2());
    expect(parsed).toMatchObject({ lockfileVersion: 2, projectName: 'fixture-v2', projectVersion: '2.3.4' });
    expect(ids(lockfiles.v2())).toEqual(FIXTURE_PACKAGES.v2);
    expect(parsed.packages.find((p) => p.name === '@types/ms')?.license).toBe('MIT');
  });

  it("v3: this project's own lockfile, every installed path counted once per name@version", () => {
    const doc = lockfiles.v3();
    const parsed = parseLockfile(doc);
    expect(parsed).toMatchObject({ lockfileVersion: 3, projectName: 'oversight', projectVersion: '0.1.0' });
    const entries = Object.entries(
      doc.packages as Record<string, { version?: string; link?: boolean }>,
    ).filter(([path, e]) => path.includes('node_modules/') && !e.link && e.version);
    expect(parsed.packages.length).toBeGreaterThan(200);
    expect(parsed.packages.length).toBeLessThanOrEqual(entries.length);
    const core = (doc.packages as Record<string, { version: string }>)['node_modules/@mikro-orm/core']!;
    expect(ids(doc)).toContain(`@mikro-orm/core@${core.version}`);
    expect(new Set(ids(doc)).size).toBe(parsed.packages.length);
  });

  it('an alias entry without a name field takes the real name from the resolved URL or the npm: spec', () => {
    const doc = lockfiles.v2() as { packages: Record<string, Record<string, unknown>> };
    delete doc.packages['node_modules/x']!.name; // npm always writes it; older tools may not
    expect(ids(doc)).toContain('is-number@7.0.0'); // from the root's "x": "npm:is-number@7"
    expect(ids(doc)).not.toContain('x@7.0.0');
    const noSpec = lockfiles.v2() as { packages: Record<string, Record<string, unknown>> };
    delete noSpec.packages['node_modules/x']!.name;
    delete (noSpec.packages['']!.dependencies as Record<string, string>).x;
    noSpec.packages['node_modules/x']!.resolved =
      'https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz';
    expect(ids(noSpec)).toContain('is-number@7.0.0');
    expect(nameFromResolved('https://registry.npmjs.org/@types/ms/-/ms-0.7.34.tgz')).toBe('@types/ms');
    expect(nameFromResolved('https://npm.example.com/api/npm/remote/@scope%2fpkg/-/pkg-1.0.0.tgz')).toBe(
      '@scope/pkg',
    );
  });

  it('refuses what is not a lockfile (400) and an unknown lockfileVersion (422)', () => {
    expect(() => parseLockfile([])).toThrow(InvalidInputError);
    expect(() => parseLockfile({ name: 'x', version: '1.0.0' })).toThrow(/no lockfileVersion/);
    expect(() => parseLockfile({ name: 'x', lockfileVersion: '3' })).toThrow(InvalidInputError);
    expect(() => parseLockfile({ name: 'x', lockfileVersion: 3 })).toThrow(/packages object/);
    expect(() => parseLockfile({ name: 'x', lockfileVersion: 4, packages: {} })).toThrow(RuleViolationError);
    expect(() => parseLockfile({ ...lockfiles.v2(), name: undefined, packages: { '': {} } })).toThrow(
      /no project name/,
    );
  });
});

describe('the LICENSE check', () => {
  const allow = ['MIT', 'ISC', 'Apache-2.0'];
  it('passes allowed licenses and expressions, case-insensitively', () => {
    expect(checkLicense('MIT', allow).status).toBe('pass');
    expect(checkLicense('mit', allow).status).toBe('pass');
    expect(checkLicense('(MIT OR GPL-3.0-only)', allow).status).toBe('pass');
    expect(checkLicense('MIT AND ISC', allow).status).toBe('pass');
    expect(checkLicense('Apache-2.0 WITH LLVM-exception', allow).status).toBe('pass');
  });
  it('fails a valid expression that is not allowed', () => {
    expect(checkLicense('GPL-3.0-only', allow).status).toBe('fail');
    expect(checkLicense('MIT AND GPL-3.0-only', allow).status).toBe('fail');
    expect(checkLicense('UNLICENSED', allow).status).toBe('fail');
  });
  it('is unknown without a license, for free text, and without an active allow-list', () => {
    expect(checkLicense(null, allow).status).toBe('unknown');
    expect(checkLicense('SEE LICENSE IN LICENSE.md', allow).status).toBe('unknown');
    expect(checkLicense('MIT', []).status).toBe('unknown');
    expect(parseSpdx('(MIT OR')).toBeNull();
  });
});
