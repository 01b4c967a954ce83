import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { PackageRequest } from '../../src/modules/packages/package-request.entity.js';
import { PackageUsage } from '../../src/modules/packages/package-usage.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { onlyOnPostgres } from '../support/engine.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { allowLicenses, lockfiles, submit } from '../support/packages.factories.js';

let t: TestApp;
let owner: Person;
let scanner: AgentPrincipal;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
  scanner = await agentWithKey(t.em(), owner.organization);
  await allowLicenses(t.em(), owner.organization, ['MIT']);
});
afterAll(async () => {
  await t.close();
});

/** Submits the v2 fixture (all MIT: every workflow is checking) and returns its workflows by package. */
async function checkingWorkflows(headers = owner.headers, query = '') {
  const res = await submit(t, headers, lockfiles.v2(), query);
  expect(res.statusCode).toBe(201);
  const submissionId: string = res.json().id;
  const list = await t.app.inject({
    method: 'GET',
    url: `/api/v1/package-submissions/${submissionId}/requests?limit=100`,
    headers,
  });
  const byPackage = new Map<string, string>();
  for (const r of list.json().items) byPackage.set(`${r.packageName}@${r.packageVersion}`, r.workflow.id);
  return { submissionId, workflow: (id: string) => byPackage.get(id)!, all: [...byPackage.values()] };
}

const trivy = (workflowId: string, status: string, headers: Record<string, string> = scanner.headers) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/workflows/${workflowId}/check-results`,
    headers,
    payload: {
      checkType: 'TRIVY',
      status,
      results: { vulnerabilities: status === 'fail' ? ['CVE-2099-0001'] : [] },
    },
  });

const decide = (workflowId: string, decision: 'approve' | 'reject', headers = owner.headers) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/workflows/${workflowId}/decision`,
    headers,
    payload: { decision, reason: 'looked at it' },
  });

const getSubmission = async (id: string, headers = owner.headers) =>
  (await t.app.inject({ method: 'GET', url: `/api/v1/package-submissions/${id}`, headers })).json();

describe('workflow state machine', () => {
  it('approves when TRIVY passes after LICENSE passed, and records the project as a user of the package', async () => {
    const { submissionId, workflow } = await checkingWorkflows();
    const id = workflow('ms@2.1.3');
    const res = await trivy(id, 'pass');
    expect(res.statusCode).toBe(201);
    expect(res.json().workflow).toMatchObject({ status: 'approved', currentStage: 'completed' });
    expect(res.json().workflow.packageRequest.status).toBe('approved');
    expect(res.json().workflow.checkResults.map((c: { checkType: string }) => c.checkType)).toEqual([
      'LICENSE',
      'TRIVY',
    ]);
    const usages = await t
      .em()
      .find(PackageUsage, { packageRequest: { id: res.json().workflow.packageRequest.id } });
    expect(usages.map((u) => u.projectName)).toEqual(['fixture-v2']);
    const trail = await t
      .em()
      .find(
        AuditLog,
        { resourceType: 'workflow', resourceId: id },
        { orderBy: { timestamp: 'asc', id: 'asc' } },
      );
    expect(trail.map((a) => [a.action, a.details.before, a.details.after])).toEqual([
      ['workflow.opened', null, { status: 'pending', currentStage: 'license_check' }],
      [
        'workflow.status_changed',
        { status: 'pending', currentStage: 'license_check' },
        { status: 'checking', currentStage: 'security_scan' },
      ],
      [
        'workflow.status_changed',
        { status: 'checking', currentStage: 'security_scan' },
        { status: 'approved', currentStage: 'completed' },
      ],
    ]);
    expect(trail[2]!.agentId).toBe(scanner.agent.id);
    expect((await getSubmission(submissionId)).status).toBe('checking');
  });

  it('rejects when TRIVY fails, and then refuses more results with 409', async () => {
    const { workflow } = await checkingWorkflows();
    const id = workflow('is-odd@3.0.1');
    const res = await trivy(id, 'fail');
    expect(res.json().workflow).toMatchObject({ status: 'rejected', currentStage: 'completed' });
    const late = await trivy(id, 'pass');
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/rejected/);
    expect(
      await t.em().count(PackageUsage, { packageRequest: { id: res.json().workflow.packageRequest.id } }),
    ).toBe(0);
  });

  it('needs review when TRIVY is unknown; only an admin or owner decides, once', async () => {
    const { workflow } = await checkingWorkflows();
    const id = workflow('is-number@7.0.0');
    const res = await trivy(id, 'unknown');
    expect(res.json().workflow).toMatchObject({ status: 'needs_review', currentStage: 'human_review' });
    const member = await person(t.em(), 'member', owner.organization);
    expect((await decide(id, 'approve', member.headers)).statusCode).toBe(403);
    expect((await decide(id, 'approve', scanner.headers)).statusCode).toBe(403);
    expect((await trivy(id, 'pass')).statusCode).toBe(409); // a person decides now
    const approved = await decide(id, 'approve');
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', currentStage: 'completed' });
    const again = await decide(id, 'reject');
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/illegal workflow transition: approved → rejected/);
    const decided = await t.em().findOneOrFail(AuditLog, {
      resourceType: 'workflow',
      resourceId: id,
      details: { after: { status: 'approved' } },
    });
    expect(decided.userId).toBe(owner.user.id);
    expect(decided.details).toMatchObject({ before: { status: 'needs_review' }, reason: 'looked at it' });
  });

  it('refuses a decision on a workflow that is still checking with 409', async () => {
    const { workflow } = await checkingWorkflows();
    const res = await decide(workflow('ms@2.1.3'), 'approve');
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/checking → approved/);
  });

  it('a TRIVY result on a pending workflow starts checking and waits for LICENSE', async () => {
    const { submissionId, workflow } = await checkingWorkflows(owner.headers, '?licenseCheck=false');
    const id = workflow('ms@2.1.3');
    const res = await trivy(id, 'pass');
    expect(res.json().workflow).toMatchObject({ status: 'checking', currentStage: 'license_check' });
    const run = await t.app.inject({
      method: 'POST',
      url: `/api/v1/package-submissions/${submissionId}/license-check`,
      headers: owner.headers,
      payload: {},
    });
    expect(run.statusCode).toBe(200);
    expect(run.json().license).toEqual({ pass: 6, fail: 0, unknown: 0 }); // the six still pending
    const after = await t.app.inject({
      method: 'GET',
      url: `/api/v1/workflows/${id}`,
      headers: owner.headers,
    });
    expect(after.json()).toMatchObject({ status: 'checking', currentStage: 'license_check' });
  });

  it('settles the submission from its workflows: checking, needs_review, then approved or rejected', async () => {
    const { submissionId, all } = await checkingWorkflows();
    const [first, ...rest] = all;
    await trivy(first!, 'unknown');
    expect((await getSubmission(submissionId)).status).toBe('needs_review');
    for (const id of rest) await trivy(id, 'pass');
    expect((await getSubmission(submissionId)).status).toBe('needs_review');
    await decide(first!, 'reject');
    const settled = await getSubmission(submissionId);
    expect(settled).toMatchObject({ status: 'rejected', workflowStatuses: { approved: 6, rejected: 1 } });
    const trail = await t
      .em()
      .find(
        AuditLog,
        { resourceId: submissionId, action: 'package_submission.status_changed' },
        { orderBy: { timestamp: 'asc', id: 'asc' } },
      );
    expect(
      trail.map(
        (a) =>
          `${(a.details.before as { status: string }).status}→${(a.details.after as { status: string }).status}`,
      ),
    ).toEqual(['pending→checking', 'checking→needs_review', 'needs_review→rejected']);
  });

  it('takes TRIVY results from agents and admins, not from members; another organization gets 404', async () => {
    const { workflow } = await checkingWorkflows();
    const member = await person(t.em(), 'member', owner.organization);
    expect((await trivy(workflow('ms@2.1.3'), 'pass', member.headers)).statusCode).toBe(403);
    const admin = await person(t.em(), 'admin', owner.organization);
    expect((await trivy(workflow('ms@2.1.3'), 'pass', admin.headers)).statusCode).toBe(201);
    const stranger = await person(t.em(), 'owner');
    const foreignAgent = await agentWithKey(t.em(), stranger.organization);
    expect((await trivy(workflow('is-odd@3.0.1'), 'pass', foreignAgent.headers)).statusCode).toBe(404);
    const peek = await t.app.inject({
      method: 'GET',
      url: `/api/v1/workflows/${workflow('is-odd@3.0.1')}`,
      headers: stranger.headers,
    });
    expect(peek.statusCode).toBe(404);
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${workflow('is-odd@3.0.1')}/check-results`,
      headers: scanner.headers,
      payload: { checkType: 'LICENSE', status: 'pass' },
    });
    expect(bad.statusCode).toBe(400); // LICENSE is computed by Oversight, not reported
  });

  it.skipIf(onlyOnPostgres('needs concurrent connections'))(
    'serializes concurrent TRIVY reports on one submission: the submission ends approved, not stale',
    async () => {
      const { submissionId, all } = await checkingWorkflows();
      const results = await Promise.all(all.map((id) => trivy(id, 'pass')));
      expect(results.map((r) => r.statusCode)).toEqual(all.map(() => 201));
      expect(await getSubmission(submissionId)).toMatchObject({ status: 'approved' });
      // and the database agrees with a fresh connection
      const client = new pg.Client({ connectionString: t.db.url });
      await client.connect();
      try {
        const { rows } = await client.query('select status from package_submissions where id = $1', [
          submissionId,
        ]);
        expect(rows[0].status).toBe('approved');
      } finally {
        await client.end();
      }
    },
  );
});

describe('GET /api/v1/packages/:name/:version/usages', () => {
  it('answers which projects use an approved package; scoped names URL-encoded or as two segments', async () => {
    const { workflow } = await checkingWorkflows();
    await trivy(workflow('@types/ms@0.7.34'), 'pass');
    const encoded = await t.app.inject({
      method: 'GET',
      url: `/api/v1/packages/${encodeURIComponent('@types/ms')}/0.7.34/usages`,
      headers: owner.headers,
    });
    expect(encoded.statusCode).toBe(200);
    expect(encoded.json()).toMatchObject({
      name: '@types/ms',
      version: '0.7.34',
      catalogue: { status: 'discovered' },
    });
    expect(encoded.json().usages.map((u: { projectName: string }) => u.projectName)).toContain('fixture-v2');
    const segments = await t.app.inject({
      method: 'GET',
      url: '/api/v1/packages/@types/ms/0.7.34/usages',
      headers: owner.headers,
    });
    expect(segments.json()).toEqual(encoded.json());
    const unscoped = await t.app.inject({
      method: 'GET',
      url: '/api/v1/packages/ms/2.1.3/usages',
      headers: owner.headers,
    });
    expect(unscoped.statusCode).toBe(200);
    // another organization never requested it: 404, whatever the shared catalogue holds
    const stranger = await person(t.em(), 'owner');
    const theirs = await t.app.inject({
      method: 'GET',
      url: '/api/v1/packages/@types/ms/0.7.34/usages',
      headers: stranger.headers,
    });
    expect(theirs.statusCode).toBe(404);
  });

  it('lists no usage for a package that is requested but not approved', async () => {
    const { organization, headers } = await person(t.em(), 'owner');
    await allowLicenses(t.em(), organization, ['MIT']);
    await submit(t, headers, lockfiles.v2());
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/packages/is-odd/3.0.1/usages', headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().usages).toEqual([]);
    expect(await t.em().count(PackageRequest, { organization: organization.id, packageName: 'is-odd' })).toBe(
      1,
    );
  });
});
