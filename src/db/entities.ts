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
import { UserSchema } from '../modules/identity/user.entity.js';

export const entities = [
  // identity
  UserSchema,
  OrganizationSchema,
  MembershipSchema,
  ApiKeySchema,
  AuditLogSchema,
  // agents
  AgentSchema,
  ConversationSchema,
  MessageSchema,
  MemorySchema,
  MemoryLogSchema,
  MemoryTagSchema,
];
