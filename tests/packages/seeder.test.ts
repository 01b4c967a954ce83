import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { WORKFLOW_STATUSES } from '../../src/modules/packages/enums.js';
import { PackageRequest } from '../../src/modules/packages/package-request.entity.js';
import { PackageSubmission } from '../../src/modules/packages/package-submission.entity.js';
import { Workflow } from '../../src/modules/packages/workflow.entity.js';
import { VALIDATION_DECISIONS } from '../../src/modules/validations/enums.js';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import { DatabaseSeeder } from '../../src/seeders/DatabaseSeeder.js';
import { DEMO_ORGANIZATION_SLUG } from '../../src/seeders/IdentitySeeder.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { lockfiles } from '../support/packages.factories.js';
import { parseLockfile } from '../../src/modules/packages/lockfile.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.db.orm.seeder.seed(DatabaseSeeder);
});
afterAll(async () => {
  await t.close();
});

describe('demo data', () => {
  it("submits this project's own lockfile with workflows in every state, and validations of every decision", async () => {
    const em = t.em();
    const organization = await em.findOneOrFail(Organization, { slug: DEMO_ORGANIZATION_SLUG });
    const [submission] = await em.find(PackageSubmission, { organization });
    expect(submission).toMatchObject({ projectName: 'oversight', lockfileVersion: 3 });
    expect(await em.count(PackageRequest, { submission })).toBe(
      parseLockfile(lockfiles.v3()).packages.length,
    );
    for (const status of WORKFLOW_STATUSES) {
      expect(await em.count(Workflow, { organization, status }), status).toBeGreaterThan(0);
    }
    for (const decision of VALIDATION_DECISIONS) {
      expect(await em.count(Validation, { organization, decision }), decision).toBeGreaterThan(0);
    }
  });

  it('is idempotent: seeding again adds nothing', async () => {
    const em = t.em();
    const before = [
      await em.count(PackageSubmission, {}),
      await em.count(Workflow, {}),
      await em.count(Validation, {}),
    ];
    await t.db.orm.seeder.seed(DatabaseSeeder);
    const after = [
      await em.count(PackageSubmission, {}),
      await em.count(Workflow, {}),
      await em.count(Validation, {}),
    ];
    expect(after).toEqual(before);
  });
});
