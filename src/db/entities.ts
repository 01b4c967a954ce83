/** Every entity of every context, in one list for the ORM. */
import { AgentSchema } from '../modules/agents/agent.entity.js';
import { ApiKeySchema } from '../modules/identity/api-key.entity.js';
import { AuditLogSchema } from '../modules/identity/audit-log.entity.js';
import { MembershipSchema } from '../modules/identity/membership.entity.js';
import { OrganizationSchema } from '../modules/identity/organization.entity.js';
import { UserSchema } from '../modules/identity/user.entity.js';
import { ConsultationRequestSchema } from '../modules/reviews/consultation-request.entity.js';
import { WebhookDeliverySchema } from '../modules/reviews/webhook-delivery.entity.js';

export const entities = [
  // identity
  UserSchema,
  OrganizationSchema,
  MembershipSchema,
  ApiKeySchema,
  AuditLogSchema,
  // agents
  AgentSchema,
  // reviews
  ConsultationRequestSchema,
  WebhookDeliverySchema,
];
