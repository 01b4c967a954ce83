/** Every entity of every context, in one list for the ORM. */
import { AgentSchema } from '../modules/agents/agent.entity.js';
import { ConversationSchema } from '../modules/agents/conversation.entity.js';
import { MemoryLogSchema } from '../modules/agents/memory-log.entity.js';
import { MemoryTagSchema } from '../modules/agents/memory-tag.entity.js';
import { MemorySchema } from '../modules/agents/memory.entity.js';
import { MessageSchema } from '../modules/agents/message.entity.js';
import { ApiKeySchema } from '../modules/identity/api-key.entity.js';
import { AuditLogSchema } from '../modules/identity/audit-log.entity.js';
import { MembershipSchema } from '../modules/identity/membership.entity.js';
import { OrganizationSchema } from '../modules/identity/organization.entity.js';
import { SignInAttemptSchema } from '../modules/identity/sign-in-attempt.entity.js';
import { UserSchema } from '../modules/identity/user.entity.js';
import { WebSessionSchema } from '../modules/identity/web-session.entity.js';
import { CheckResultSchema } from '../modules/packages/check-result.entity.js';
import { LicenseAllowlistSchema } from '../modules/packages/license-allowlist.entity.js';
import { PackageRequestSchema } from '../modules/packages/package-request.entity.js';
import { PackageSubmissionSchema } from '../modules/packages/package-submission.entity.js';
import { PackageUsageSchema } from '../modules/packages/package-usage.entity.js';
import { PackageSchema } from '../modules/packages/package.entity.js';
import { WorkflowSchema } from '../modules/packages/workflow.entity.js';
import { FindingSchema } from '../modules/validations/finding.entity.js';
import { ValidationSchema } from '../modules/validations/validation.entity.js';
import { ConsultationRequestSchema } from '../modules/reviews/consultation-request.entity.js';
import { WebhookDeliverySchema } from '../modules/reviews/webhook-delivery.entity.js';

export const entities = [
  // identity
  UserSchema,
  OrganizationSchema,
  MembershipSchema,
  ApiKeySchema,
  AuditLogSchema,
  WebSessionSchema,
  SignInAttemptSchema,
  // agents
  AgentSchema,
  ConversationSchema,
  MessageSchema,
  MemorySchema,
  MemoryLogSchema,
  MemoryTagSchema,
  // validations
  ValidationSchema,
  FindingSchema,
  // packages
  PackageSubmissionSchema,
  PackageRequestSchema,
  PackageSchema,
  WorkflowSchema,
  CheckResultSchema,
  PackageUsageSchema,
  LicenseAllowlistSchema,
  // reviews
  ConsultationRequestSchema,
  WebhookDeliverySchema,
];
