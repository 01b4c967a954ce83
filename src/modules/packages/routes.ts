/**
 * HTTP routes of the packages context, one file per aggregate: package-submission.routes.ts (lockfile
 * submissions), workflow.routes.ts (workflows and their checks), package-usage.routes.ts (package usage),
 * license-allowlist.routes.ts (the license allow-list). This is the one plugin src/app.ts registers.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { licenseAllowlistRoutes } from './license-allowlist.routes.js';
import { packageSubmissionRoutes } from './package-submission.routes.js';
import { packageUsageRoutes } from './package-usage.routes.js';
import { workflowRoutes } from './workflow.routes.js';

export const packageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(packageSubmissionRoutes);
  await app.register(workflowRoutes);
  await app.register(packageUsageRoutes);
  await app.register(licenseAllowlistRoutes);
};
