import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { Organization } from '../modules/identity/organization.entity.js';
import { Finding } from '../modules/validations/finding.entity.js';
import { Validation } from '../modules/validations/validation.entity.js';
import { DEMO_ORGANIZATION_SLUG } from './IdentitySeeder.js';

/**
 * Demo validations of the demo organization: one per decision, and three that wait for a person in the
 * inbox. Idempotent: skips when any exist.
 */
export class ValidationsSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const organization = await em.getRepository(Organization).findBySlug(DEMO_ORGANIZATION_SLUG);
    if (!organization || (await em.count(Validation, { organization })) > 0) return;
    const demo = [
      {
        agentId: 'claude-code@demo-laptop',
        actionType: 'file.write',
        actionDescription: 'Update README.md with the new install steps',
        decision: 'approved',
        vetoLevel: 'none',
        findings: [],
      },
      {
        agentId: 'claude-code@demo-laptop',
        actionType: 'shell.exec',
        actionDescription: 'rm -rf ./dist before rebuilding',
        decision: 'approved_with_warnings',
        vetoLevel: 'weak',
        findings: [['L1', 'low', 'Recursive delete', 'Deletes a build folder inside the project']],
      },
      {
        agentId: 'release-bot',
        actionType: 'deploy',
        actionDescription: 'Deploy v2.4.0 to production on a Friday evening',
        decision: 'needs_review',
        vetoLevel: 'medium',
        findings: [
          ['L3', 'medium', 'Production change', 'Deploys outside the change window'],
          ['L5', 'info', 'Rollback plan present', 'The release notes name a rollback'],
        ],
      },
      {
        agentId: 'claude-code@demo-laptop',
        actionType: 'git.push',
        actionDescription: 'Force-push main after rewriting the last three commits',
        decision: 'needs_review',
        vetoLevel: 'medium',
        findings: [
          ['L1', 'high', 'History rewrite on a shared branch', 'Others have pulled main since these commits'],
          ['L6', 'low', 'CI would re-run', 'Three pipelines restart'],
        ],
      },
      {
        agentId: 'support-bot',
        actionType: 'email.send',
        actionDescription: 'Email 212 customers that their subscription renews next week',
        decision: 'needs_review',
        vetoLevel: 'weak',
        findings: [['L4', 'low', 'Bulk email', 'Consent recorded for every recipient']],
      },
      {
        agentId: 'release-bot',
        actionType: 'db.migrate',
        actionDescription: 'DROP TABLE customers on the primary database',
        decision: 'rejected',
        vetoLevel: 'strong',
        findings: [['L1', 'critical', 'Destructive SQL', 'Drops a table holding customer data']],
      },
    ] as const;
    for (const v of demo) {
      const validation = em.create(Validation, {
        organization,
        agentId: v.agentId,
        actionType: v.actionType,
        actionDescription: v.actionDescription,
        decision: v.decision,
        vetoLevel: v.vetoLevel,
      });
      v.findings.forEach(([layerId, severity, title, description], position) =>
        em.create(Finding, { organization, validation, position, layerId, severity, title, description }),
      );
    }
    await em.flush();
  }
}
