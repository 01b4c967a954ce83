/** HTTP contracts of the validations context. */
import Type, { type Static } from 'typebox';
import { DateTime, NonBlank, Nullable, PageQuery, Text, Uuid, iso } from '../../common/schemas.js';
import { TIERS } from '../identity/enums.js';
import type { Organization } from '../identity/organization.entity.js';
import { FINDING_SEVERITIES, REVIEW_DECISIONS, VALIDATION_DECISIONS, VETO_LEVELS } from './enums.js';
import type { Finding } from './finding.entity.js';
import type { Validation } from './validation.entity.js';

export const Decision = Type.Enum([...VALIDATION_DECISIONS]);
export const VetoLevel = Type.Enum([...VETO_LEVELS]);
export const Severity = Type.Enum([...FINDING_SEVERITIES]);

export const FindingCreate = Type.Object(
  {
    layerId: NonBlank(10, 'layer id, e.g. L1'),
    severity: Severity,
    title: NonBlank(255),
    description: Text({ maxLength: 20_000 }),
  },
  { additionalProperties: false },
);

export const ValidationCreate = Type.Object(
  {
    agentId: Type.Optional(NonBlank(255)),
    actionType: NonBlank(100),
    actionDescription: Text({ minLength: 1, maxLength: 50_000 }),
    decision: Decision,
    vetoLevel: VetoLevel,
    findings: Type.Array(FindingCreate, { maxItems: 200, default: [] }),
  },
  { additionalProperties: false },
);

export const ValidationReviewBody = Type.Object(
  {
    decision: Type.Enum(['approve', 'reject'], { description: 'let the action proceed, or stop it' }),
    comment: Type.Optional(
      Text({ maxLength: 2000, description: 'why (shown to whoever reads the validation)' }),
    ),
  },
  { additionalProperties: false },
);
export type ValidationReviewBody = Static<typeof ValidationReviewBody>;

export const ValidationListQuery = Type.Object(
  {
    ...PageQuery.properties,
    agentId: Type.Optional(Text({ minLength: 1, maxLength: 255 })),
    registeredAgentId: Type.Optional(Uuid),
    actionType: Type.Optional(Text({ minLength: 1, maxLength: 100 })),
    decision: Type.Optional(Decision),
    vetoLevel: Type.Optional(VetoLevel),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const OrganizationTierDto = Type.Object({
  id: Uuid,
  name: Type.String(),
  tier: Type.Enum([...TIERS]),
});

export const FindingDto = Type.Object({
  id: Uuid,
  layerId: Type.String(),
  severity: Severity,
  title: Type.String(),
  description: Type.String(),
});

const AgentRef = Type.Object({ id: Uuid, name: Type.String(), slug: Type.String() });

export const ReviewDto = Type.Object(
  {
    decision: Type.Enum([...REVIEW_DECISIONS]),
    comment: Nullable(Type.String()),
    reviewedById: Nullable(Uuid),
    reviewedAt: DateTime,
  },
  { description: "a person's decision on a needs_review validation; null while it waits" },
);

export const ValidationSummaryDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  agentId: Type.String({ description: "the acting agent's external identifier" }),
  registeredAgent: Nullable(AgentRef),
  actionType: Type.String(),
  actionDescription: Type.String(),
  decision: Decision,
  vetoLevel: VetoLevel,
  review: Nullable(ReviewDto),
  createdAt: DateTime,
});

export const ValidationDto = Type.Object({
  ...ValidationSummaryDto.properties,
  organization: OrganizationTierDto,
  findings: Type.Array(FindingDto),
});
export type ValidationDto = Static<typeof ValidationDto>;

export const ValidationPage = Type.Object({
  organization: OrganizationTierDto,
  items: Type.Array(ValidationSummaryDto),
  nextCursor: Nullable(Type.String()),
});

export const toOrganizationTierDto = (o: Organization) => ({ id: o.id, name: o.name, tier: o.tier });

export const toFindingDto = (f: Finding) => ({
  id: f.id,
  layerId: f.layerId,
  severity: f.severity,
  title: f.title,
  description: f.description,
});

export const toValidationSummaryDto = (v: Validation): Static<typeof ValidationSummaryDto> => {
  const agent = v.registeredAgent?.unwrap();
  return {
    id: v.id,
    organizationId: v.organization.id,
    agentId: v.agentId,
    registeredAgent: agent ? { id: agent.id, name: agent.name, slug: agent.slug } : null,
    actionType: v.actionType,
    actionDescription: v.actionDescription,
    decision: v.decision,
    vetoLevel: v.vetoLevel,
    review:
      v.reviewDecision && v.reviewedAt
        ? {
            decision: v.reviewDecision,
            comment: v.reviewComment ?? null,
            reviewedById: v.reviewedBy?.id ?? null,
            reviewedAt: iso(v.reviewedAt)!,
          }
        : null,
    createdAt: iso(v.createdAt)!,
  };
};

export const toValidationDto = (v: Validation): ValidationDto => ({
  ...toValidationSummaryDto(v),
  organization: toOrganizationTierDto(v.organization.getEntity()),
  findings: v.findings.getItems().map(toFindingDto),
});
