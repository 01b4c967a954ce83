/** HTTP contract of package usage: which projects use an approved name@version. */
import Type, { type Static } from 'typebox';
import { DateTime, Nullable, Text, Uuid, iso } from '../../common/schemas.js';
import { PACKAGE_STATUSES } from './enums.js';
import type { UsageReport } from './package-usage.service.js';

export const UsageParams = Type.Object({
  name: Text({ minLength: 1, maxLength: 214, description: 'package name; a scoped name URL-encoded' }),
  version: Text({ minLength: 1, maxLength: 255 }),
});
export const ScopedUsageParams = Type.Object({
  scope: Type.String({ pattern: '^@[^/\\u0000]+$', maxLength: 214, description: 'the scope, with its @' }),
  name: Text({ minLength: 1, maxLength: 214 }),
  version: Text({ minLength: 1, maxLength: 255 }),
});

export const UsageReportDto = Type.Object({
  name: Type.String(),
  version: Type.String(),
  catalogue: Nullable(
    Type.Object({ id: Uuid, status: Type.Enum([...PACKAGE_STATUSES]), fetchedAt: Nullable(DateTime) }),
  ),
  usages: Type.Array(
    Type.Object({ projectName: Type.String(), packageRequestId: Uuid, submissionId: Uuid, since: DateTime }),
  ),
});

export const toUsageReportDto = (r: UsageReport): Static<typeof UsageReportDto> => ({
  name: r.name,
  version: r.version,
  catalogue: r.catalogue
    ? { id: r.catalogue.id, status: r.catalogue.status, fetchedAt: iso(r.catalogue.fetchedAt ?? null) }
    : null,
  usages: r.usages.map((u) => ({
    projectName: u.projectName,
    packageRequestId: u.packageRequest.id,
    submissionId: u.packageRequest.getEntity().submission.id,
    since: iso(u.createdAt)!,
  })),
});
