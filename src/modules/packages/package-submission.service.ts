import { LockMode, type EntityManager } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { Page } from '../../common/cursor.js';
import { NotFoundError } from '../../common/errors.js';
import { execute } from '../../db/sql.js';
import { actorOf, requireRole, type Caller } from '../identity/access.js';
import { AuditLog } from '../identity/audit-log.entity.js';
import { Organization } from '../identity/organization.entity.js';
import type { CheckStatus, SubmissionStatus, WorkflowStatus } from './enums.js';
import { checkLicense } from './license.js';
import { LicenseAllowlist } from './license-allowlist.entity.js';
import { parseLockfile, type LockedPackage } from './lockfile.js';
import { PackageRequest } from './package-request.entity.js';
import { PackageSubmission } from './package-submission.entity.js';
import { Workflow } from './workflow.entity.js';
import { WorkflowEngine } from './workflow-engine.js';
import { zeroCounts, type StatusCounts } from './workflow.repository.js';

/** Rows per `insert ... on conflict` statement into the catalogue (3 parameters each). */
const CATALOGUE_CHUNK = 1000;

export type LicenseCounts = Record<CheckStatus, number>;

export interface SubmissionResult {
  submission: PackageSubmission;
  packageRequests: number;
  workflows: number;
  catalogueAdded: number;
  license: LicenseCounts;
  workflowStatuses: StatusCounts;
}

interface Item {
  request: PackageRequest;
  workflow: Workflow;
}

const countStatuses = (items: Item[]): StatusCounts => {
  const counts = zeroCounts();
  for (const { workflow } of items) counts[workflow.status as WorkflowStatus]++;
  return counts;
};

export class PackageSubmissionService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Ingests a package-lock.json in one transaction: the submission, one request and one workflow per distinct
   * name@version, missing catalogue rows, and (unless `licenseCheck` is false) the LICENSE check of each.
   * A body that is not a supported lockfile is refused before anything is written.
   */
  async submit(caller: Caller, body: unknown, options: { licenseCheck: boolean }): Promise<SubmissionResult> {
    requireRole(caller, 'member');
    const lockfile = parseLockfile(body);
    return this.em.transactional(async (em) => {
      const organization = em.getReference(Organization, caller.organizationId);
      const submission = em.create(PackageSubmission, {
        organization,
        user: caller.kind === 'user' ? caller.userId : null,
        agent: caller.kind === 'agent' ? [caller.organizationId, caller.agentId!] : null,
        projectName: lockfile.projectName,
        projectVersion: lockfile.projectVersion,
        lockfileVersion: lockfile.lockfileVersion,
        packageLockJson: body as Record<string, unknown>,
        status: 'pending',
      });
      em.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'package_submission.created',
        resourceType: 'package_submission',
        resourceId: submission.id,
        details: {
          before: null,
          after: { status: submission.status },
          projectName: lockfile.projectName,
          projectVersion: lockfile.projectVersion,
          lockfileVersion: lockfile.lockfileVersion,
          packages: lockfile.packages.length,
        },
      });
      const catalogueAdded = await addToCatalogue(em, lockfile.packages);
      const engine = new WorkflowEngine(em, actorOf(caller), caller.organizationId);
      const items = lockfile.packages.map((pkg) => {
        const request = em.create(PackageRequest, {
          organization,
          submission,
          packageName: pkg.name,
          packageVersion: pkg.version,
          license: pkg.license && pkg.license.length <= 255 ? pkg.license : null,
          integrity: pkg.integrity && pkg.integrity.length <= 512 ? pkg.integrity : null,
          resolved: pkg.resolved,
          status: 'pending',
        });
        return { request, workflow: engine.open(request) };
      });
      const license = options.licenseCheck
        ? await runLicenseChecks(em, engine, caller.organizationId, submission, items)
        : { pass: 0, fail: 0, unknown: 0 };
      const workflowStatuses = countStatuses(items);
      engine.settleSubmission(submission, workflowStatuses);
      return {
        submission,
        packageRequests: items.length,
        workflows: items.length,
        catalogueAdded,
        license,
        workflowStatuses,
      };
    });
  }

  /** Runs the LICENSE check of the submission's pending workflows (all, or the requests named). */
  async checkLicenses(
    caller: Caller,
    submissionId: string,
    requestIds?: string[],
  ): Promise<{ submission: PackageSubmission; license: LicenseCounts }> {
    requireRole(caller, 'member');
    return this.em.transactional(async (em) => {
      const submission = await em
        .getRepository(PackageSubmission)
        .getInOrganization(caller.organizationId, submissionId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const workflows = await em.find(
        Workflow,
        {
          status: 'pending',
          packageRequest: { submission, ...(requestIds && { id: { $in: requestIds } }) },
        },
        { populate: ['packageRequest'], orderBy: { packageRequest: { packageName: 'asc' } } },
      );
      const engine = new WorkflowEngine(em, actorOf(caller), caller.organizationId);
      const items = workflows.map((workflow) => ({ workflow, request: workflow.packageRequest.getEntity() }));
      const license = await runLicenseChecks(em, engine, caller.organizationId, submission, items);
      await em.flush();
      engine.settleSubmission(
        submission,
        await em.getRepository(Workflow).countByStatusForSubmission(submission),
      );
      return { submission, license };
    });
  }

  async list(
    caller: Caller,
    filter: { status?: SubmissionStatus; projectName?: string },
    page: { limit: number; cursor?: string },
  ): Promise<Page<PackageSubmission>> {
    requireRole(caller, 'viewer');
    return this.em.getRepository(PackageSubmission).listInOrganization(caller.organizationId, filter, page);
  }

  async get(
    caller: Caller,
    id: string,
  ): Promise<{ submission: PackageSubmission; workflowStatuses: StatusCounts }> {
    requireRole(caller, 'viewer');
    const submission = await this.em
      .getRepository(PackageSubmission)
      .getInOrganization(caller.organizationId, id);
    const workflowStatuses = await this.em.getRepository(Workflow).countByStatusForSubmission(submission);
    return { submission, workflowStatuses };
  }

  /** The submission's requests with their workflows, in a stable order, paginated. */
  async requests(
    caller: Caller,
    id: string,
    filter: { status?: WorkflowStatus },
    page: { limit: number; offset: number },
  ): Promise<{ items: PackageRequest[]; total: number }> {
    const { submission } = await this.get(caller, id);
    const [items, total] = await this.em.findAndCount(
      PackageRequest,
      { submission, ...(filter.status && { status: filter.status }) },
      {
        populate: ['workflow'],
        orderBy: { packageName: 'asc', packageVersion: 'asc', id: 'asc' },
        limit: page.limit,
        offset: page.offset,
      },
    );
    return { items, total };
  }

  /** The raw lockfile as submitted. */
  async lockfile(caller: Caller, id: string): Promise<Record<string, unknown>> {
    requireRole(caller, 'viewer');
    const row = await this.em.findOne(
      PackageSubmission,
      { id, organization: caller.organizationId },
      { populate: ['packageLockJson'] },
    );
    if (!row) throw new NotFoundError('PackageSubmission', id);
    return row.packageLockJson;
  }
}

/** Inserts the name@version rows the catalogue lacks; returns how many were new. */
async function addToCatalogue(em: EntityManager, packages: LockedPackage[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < packages.length; i += CATALOGUE_CHUNK) {
    const chunk = packages.slice(i, i + CATALOGUE_CHUNK);
    const rows = await execute<{ id: string }[]>(
      em,
      `insert into packages (id, name, version) values ${chunk.map(() => '(?, ?, ?)').join(', ')}
       on conflict (name, version) do nothing returning id`,
      chunk.flatMap((p) => [uuidv7(), p.name, p.version]),
    );
    added += rows.length;
  }
  return added;
}

/** Licenses the catalogue knows from the registry, for packages whose lockfile entry records none. */
async function catalogueLicenses(em: EntityManager, items: Item[]): Promise<Map<string, string>> {
  const missing = items.filter((i) => !i.request.license).map((i) => i.request);
  if (missing.length === 0) return new Map();
  const rows = await execute<{ name: string; version: string; license: string | null }[]>(
    em,
    `select p.name, p.version, p.metadata->>'license' as license
       from packages p
       join unnest(array[?]::text[], array[?]::text[]) as u(name, version)
         on p.name = u.name and p.version = u.version
      where p.status = 'fetched'`,
    [missing.map((r) => r.packageName), missing.map((r) => r.packageVersion)],
  );
  return new Map(rows.filter((r) => r.license).map((r) => [`${r.name}@${r.version}`, r.license!]));
}

async function runLicenseChecks(
  em: EntityManager,
  engine: WorkflowEngine,
  organizationId: string,
  submission: PackageSubmission,
  items: Item[],
): Promise<LicenseCounts> {
  const allowList = (
    await em.find(
      LicenseAllowlist,
      { organization: organizationId, isActive: true },
      { fields: ['licenseIdentifier'] },
    )
  ).map((l) => l.licenseIdentifier);
  const fromCatalogue = await catalogueLicenses(em, items);
  const counts: LicenseCounts = { pass: 0, fail: 0, unknown: 0 };
  for (const { request, workflow } of items) {
    const catalogue = fromCatalogue.get(`${request.packageName}@${request.packageVersion}`) ?? null;
    const license = request.license ?? catalogue;
    const source = request.license ? 'lockfile' : catalogue ? 'catalogue' : null;
    const verdict = checkLicense(license, allowList);
    counts[verdict.status]++;
    engine.addCheck(
      workflow,
      request,
      submission,
      { checkType: 'LICENSE', status: verdict.status, results: { license, source, reason: verdict.reason } },
      new Map(),
    );
  }
  return counts;
}
