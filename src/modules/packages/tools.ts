/** MCP tool of the packages context: `check_packages` (a package-lock.json in, each package's workflow out). */
import Type from 'typebox';
import { InvalidInputError } from '../../common/errors.js';
import { defineTool, type McpContribution } from '../../http/mcp-tools.js';
import { PackageSubmissionService } from './package-submission.service.js';
import {
  PackageRequestDto,
  SubmissionCreated,
  SubmitQuery,
  toPackageRequestDto,
  toSubmissionDto,
} from './schemas.js';

/** At most this many packages are listed in the result (the counts cover all of them). */
const LISTED = 1000;

const checkPackages = defineTool({
  name: 'check_packages',
  title: 'Check the packages of a package-lock.json',
  description:
    'Submits a package-lock.json (lockfileVersion 1, 2 or 3) for approval and returns each package with its ' +
    'workflow status: approved (use it), rejected (do not), needs_review (a person decides), checking or pending ' +
    '(checks still running). The LICENSE check against the organization allow-list runs at once unless ' +
    '`licenseCheck` is false; the security scan comes later. Pass the lockfile as a JSON object or as its text.',
  audience: ['agent', 'user'],
  input: Type.Object(
    {
      packageLock: Type.Union(
        [
          Type.Record(Type.String(), Type.Unknown(), { description: 'the package-lock.json as JSON' }),
          Type.String({ minLength: 2, description: 'or its text' }),
        ],
        { description: 'a package-lock.json, lockfileVersion 1, 2 or 3' },
      ),
      licenseCheck: SubmitQuery.properties.licenseCheck,
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    ...SubmissionCreated.properties,
    packages: Type.Array(PackageRequestDto, { description: `by name and version, at most ${LISTED}` }),
    packagesTotal: Type.Integer(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(ctx, { packageLock, licenseCheck }) {
    let lockfile: unknown = packageLock;
    if (typeof packageLock === 'string') {
      try {
        lockfile = JSON.parse(packageLock);
      } catch {
        throw new InvalidInputError('packageLock is not valid JSON', { field: 'packageLock' });
      }
    }
    const caller = await ctx.caller();
    const service = new PackageSubmissionService(ctx.em);
    const created = await service.submit(caller, lockfile, { licenseCheck });
    const listed = await service.requests(caller, created.submission.id, {}, { limit: LISTED, offset: 0 });
    const counts = created.workflowStatuses;
    return {
      result: {
        ...toSubmissionDto(created.submission),
        counts: {
          packageRequests: created.packageRequests,
          workflows: created.workflows,
          catalogueAdded: created.catalogueAdded,
          license: created.license,
          workflowStatuses: counts,
        },
        packages: listed.items.map((r) => toPackageRequestDto(r)),
        packagesTotal: listed.total,
      },
      summary:
        `Submission ${created.submission.id}: ${created.packageRequests} package(s); approved ${counts.approved}, ` +
        `rejected ${counts.rejected}, needs_review ${counts.needs_review}, checking ${counts.checking}, ` +
        `pending ${counts.pending}.`,
    };
  },
});

export const packagesMcp: McpContribution = { tools: [checkPackages] };
