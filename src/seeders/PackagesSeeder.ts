import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Caller } from '../modules/identity/access.js';
import { Organization } from '../modules/identity/organization.entity.js';
import { LicenseAllowlist } from '../modules/packages/license-allowlist.entity.js';
import { PackageRequest } from '../modules/packages/package-request.entity.js';
import { PackageSubmission } from '../modules/packages/package-submission.entity.js';
import { PackageSubmissionService } from '../modules/packages/package-submission.service.js';
import { WorkflowService } from '../modules/packages/workflow.service.js';
import { DEMO_ORGANIZATION_SLUG } from './IdentitySeeder.js';

/** The demo allow-list: MPL-2.0 is listed but inactive, so MPL packages fail the LICENSE check. */
export const DEMO_ALLOWLIST: [identifier: string, name: string, active: boolean][] = [
  ['MIT', 'MIT License', true],
  ['ISC', 'ISC License', true],
  ['Apache-2.0', 'Apache License 2.0', true],
  ['BSD-2-Clause', 'BSD 2-Clause "Simplified" License', true],
  ['BSD-3-Clause', 'BSD 3-Clause "New" or "Revised" License', true],
  ['0BSD', 'BSD Zero Clause License', true],
  ['BlueOak-1.0.0', 'Blue Oak Model License 1.0.0', true],
  ['MPL-2.0', 'Mozilla Public License 2.0', false],
];

/**
 * Demo package approval: the allow-list, and a submission of this project's own package-lock.json (a real
 * v3 lockfile) with workflows in every state: pending (license check not run), checking (license passed,
 * waiting for TRIVY), approved, rejected (MPL-2.0 off the list, or a TRIVY failure) and needs_review.
 * Goes through the services, so every state change is audited. Idempotent: skips when a submission exists.
 */
export class PackagesSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const organization = await em.getRepository(Organization).findBySlug(DEMO_ORGANIZATION_SLUG);
    if (!organization || (await em.count(PackageSubmission, { organization })) > 0) return;
    for (const [licenseIdentifier, licenseName, isActive] of DEMO_ALLOWLIST) {
      em.create(LicenseAllowlist, { organization, licenseIdentifier, licenseName, isActive });
    }
    await em.flush();

    const caller: Caller = {
      kind: 'user',
      userId: organization.owner.id,
      agentId: null,
      // Seeding acts as the owner without an API key; the audit rows carry no key id.
      apiKeyId: null as unknown as string,
      keyOrganizationId: organization.id,
      scopes: ['read', 'write', 'admin'],
      organizationId: organization.id,
      role: 'owner',
    };
    const lockfile = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../package-lock.json', import.meta.url)), 'utf8'),
    ) as unknown;
    const submissions = new PackageSubmissionService(em);
    const { submission } = await submissions.submit(caller, lockfile, { licenseCheck: false });
    const requests = await em.find(
      PackageRequest,
      { submission },
      { orderBy: { packageName: 'asc', packageVersion: 'asc' } },
    );
    // the first three stay pending; the rest get their LICENSE check
    await submissions.checkLicenses(
      caller,
      submission.id,
      requests.slice(3).map((r) => r.id),
    );
    const checking = await em.find(
      PackageRequest,
      { submission, status: 'checking' },
      { populate: ['workflow'], orderBy: { packageName: 'asc', packageVersion: 'asc' } },
    );
    const workflows = new WorkflowService(em);
    const plan = ['pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'unknown', 'unknown', 'unknown'] as const;
    for (const [i, status] of plan.entries()) {
      const workflow = checking[i]?.workflow;
      if (!workflow) break;
      await workflows.recordCheck(caller, workflow.id, {
        checkType: 'TRIVY',
        status,
        results: { scanner: 'trivy (demo)', vulnerabilities: status === 'fail' ? ['CVE-2099-0001'] : [] },
      });
    }
    // one needs_review decided by the owner, two left for a person
    const reviewed = checking[plan.length - 1]?.workflow;
    if (reviewed) {
      await workflows.decide(caller, reviewed.id, {
        decision: 'approve',
        reason: 'demo: reviewed by the owner',
      });
    }
  }
}
