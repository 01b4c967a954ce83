/**
 * HTTP contracts of the packages context, one file per aggregate: package-submission.schemas.ts,
 * workflow.schemas.ts, package-usage.schemas.ts, license-allowlist.schemas.ts.
 */
export * from './license-allowlist.schemas.js';
export * from './package-submission.schemas.js';
export * from './package-usage.schemas.js';
export * from './workflow.schemas.js';
