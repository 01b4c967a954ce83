/** Every entity of every context, in one list for the ORM. */
import { AgentSchema } from '../modules/agents/agent.entity.js';
import { ApiKeySchema } from '../modules/identity/api-key.entity.js';
import { AuditLogSchema } from '../modules/identity/audit-log.entity.js';
import { MembershipSchema } from '../modules/identity/membership.entity.js';
import { OrganizationSchema } from '../modules/identity/organization.entity.js';
import { UserSchema } from '../modules/identity/user.entity.js';
import { FindingSchema } from '../modules/validations/finding.entity.js';
import { ValidationSchema } from '../modules/validations/validation.entity.js';

export const entities = [
  // identity
  UserSchema,
  OrganizationSchema,
  MembershipSchema,
  ApiKeySchema,
  AuditLogSchema,
  // agents
  AgentSchema,
  // validations
  ValidationSchema,
  FindingSchema,
];
