/**
 * Enumerations of the validations context (seed 000), mirrored by native PostgreSQL enum types.
 * The seed stores them as free VARCHARs; these are the values we accept (see docs/validations.md).
 */

/**
 * What the human layer decided about an agent's action:
 * - `approved`: the action may proceed as is;
 * - `approved_with_warnings`: it may proceed, the findings should be read;
 * - `needs_review`: it must wait for a person;
 * - `rejected`: it must not happen.
 */
export const VALIDATION_DECISIONS = [
  'approved',
  'approved_with_warnings',
  'needs_review',
  'rejected',
] as const;
export type ValidationDecision = (typeof VALIDATION_DECISIONS)[number];

/**
 * How hard a layer vetoed the action (Human Layer veto levels):
 * - `none`: no veto;
 * - `weak`: a warning, the agent may override it;
 * - `medium`: a person must confirm before the action proceeds;
 * - `strong`: a block; a strong veto always comes with the `rejected` decision (CHECK constraint).
 */
export const VETO_LEVELS = ['none', 'weak', 'medium', 'strong'] as const;
export type VetoLevel = (typeof VETO_LEVELS)[number];

/** Severity of one finding, from informational to critical. */
export const FINDING_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/** A person's decision on a validation that needed review. */
export const REVIEW_DECISIONS = ['approved', 'rejected'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
