/**
 * Factories for the inbox: items of each kind waiting for a person (written directly), a `Caller` for a
 * person, and `webSession(t, person)`, the web counterpart of a Person's API headers: it signs in through
 * the sign-in form, as a browser does, and returns the cookie and the CSRF token to post with.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Agent } from '../../src/modules/agents/agent.entity.js';
import type { Caller } from '../../src/modules/identity/access.js';
import type { MembershipRole } from '../../src/modules/identity/enums.js';
import type { Organization } from '../../src/modules/identity/organization.entity.js';
import { CheckResult } from '../../src/modules/packages/check-result.entity.js';
import { PackageRequest } from '../../src/modules/packages/package-request.entity.js';
import { PackageSubmission } from '../../src/modules/packages/package-submission.entity.js';
import { Workflow } from '../../src/modules/packages/workflow.entity.js';
import type { ValidationDecision, VetoLevel } from '../../src/modules/validations/enums.js';
import { Finding } from '../../src/modules/validations/finding.entity.js';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import type { TestApp } from './app.js';
import { TEST_PASSWORD, unique, type Person } from './factories.js';

export async function makeValidation(
  em: EntityManager,
  organization: Organization,
  o: Partial<{
    decision: ValidationDecision;
    vetoLevel: VetoLevel;
    agent: Agent | null;
    actionDescription: string;
    createdAt: Date;
  }> = {},
): Promise<Validation> {
  const validation = em.create(Validation, {
    organization,
    agentId: o.agent?.slug ?? 'external-agent',
    registeredAgent: o.agent ?? null,
    actionType: 'deploy',
    actionDescription: o.actionDescription ?? 'Deploy the release to production',
    decision: o.decision ?? 'needs_review',
    vetoLevel: o.vetoLevel ?? 'medium',
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
  });
  em.create(Finding, {
    organization,
    validation,
    position: 0,
    layerId: 'L3',
    severity: 'medium',
    title: 'Production change',
    description: 'Outside the change window',
  });
  await em.flush();
  return validation;
}

/** A workflow whose LICENSE check came back unknown and TRIVY passed: it needs a person. */
export async function makeWorkflowNeedingReview(
  em: EntityManager,
  organization: Organization,
  o: Partial<{ agent: Agent | null; packageName: string; createdAt: Date }> = {},
): Promise<Workflow> {
  const submission = em.create(PackageSubmission, {
    organization,
    agent: o.agent ?? null,
    projectName: 'shop-frontend',
    projectVersion: '1.0.0',
    lockfileVersion: 3,
    packageLockJson: {},
    status: 'needs_review',
  });
  const request = em.create(PackageRequest, {
    organization,
    submission,
    packageName: o.packageName ?? unique('pkg'),
    packageVersion: '1.2.3',
    license: 'SEE LICENSE IN LICENSE.md',
    status: 'needs_review',
  });
  const workflow = em.create(Workflow, {
    organization,
    packageRequest: request,
    status: 'needs_review',
    currentStage: 'human_review',
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
  });
  em.create(CheckResult, {
    organization,
    workflow,
    checkType: 'LICENSE',
    status: 'unknown',
    results: { license: 'SEE LICENSE IN LICENSE.md', source: 'lockfile', reason: 'not an SPDX expression' },
  });
  em.create(CheckResult, {
    organization,
    workflow,
    checkType: 'TRIVY',
    status: 'pass',
    results: { vulnerabilities: [] },
  });
  await em.flush();
  return workflow;
}

/** The `Caller` a person's session gives (every scope, their role). */
export function callerOf(p: Person, role: MembershipRole): Caller {
  return {
    kind: 'user',
    userId: p.user.id,
    agentId: null,
    apiKeyId: '00000000-0000-0000-0000-000000000000',
    keyOrganizationId: null,
    scopes: ['read', 'write', 'admin'],
    organizationId: p.organization.id,
    role,
  };
}

export interface WebSession {
  /** `{ cookie }` to send with every request. */
  headers: { cookie: string };
  /** The CSRF token every form carries. */
  csrf: string;
  token: string;
}

const cookieValue = (setCookie: string | string[] | undefined, name: string): string => {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie set`);
  return found.slice(name.length + 1).split(';')[0]!;
};

/** Reads a form's CSRF token out of a page. */
export const csrfIn = (page: string): string => {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
};

/** Signs the person in through the inbox's sign-in form (GET for the form's token, then POST). */
export async function webSession(t: TestApp, p: Person, password = TEST_PASSWORD): Promise<WebSession> {
  const form = await t.app.inject({ method: 'GET', url: '/inbox/login' });
  const signInCookie = cookieValue(form.headers['set-cookie'], 'oversight_sign_in');
  const response = await t.app.inject({
    method: 'POST',
    url: '/inbox/login',
    headers: {
      cookie: `oversight_sign_in=${signInCookie}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({ _csrf: csrfIn(form.body), email: p.user.email, password }).toString(),
  });
  if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  const token = cookieValue(response.headers['set-cookie'], 'oversight_session');
  const page = await t.app.inject({
    method: 'GET',
    url: '/inbox',
    headers: { cookie: `oversight_session=${token}` },
  });
  return { headers: { cookie: `oversight_session=${token}` }, csrf: csrfIn(page.body), token };
}

/** A form post from a signed-in browser (urlencoded, the session's CSRF token unless told otherwise). */
export function postForm(
  t: TestApp,
  session: WebSession,
  url: string,
  fields: Record<string, string>,
  csrf: string | null = session.csrf,
) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { ...session.headers, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...(csrf === null ? {} : { _csrf: csrf }), ...fields }).toString(),
  });
}
