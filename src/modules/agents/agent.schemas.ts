/** HTTP contract of agents: Agent DNA in, the agent with its whole DNA out, and agent API keys. */
import Type, { type Static } from 'typebox';
import { DateTime, Nullable, Uuid, deepPartial, iso, withoutDefaults } from '../../common/schemas.js';
import { Scope } from '../identity/schemas.js';
import { Agent } from './agent.entity.js';
import { agentView, type AgentView } from './agent.repository.js';
import {
  AgentBoundaries,
  AgentDNA,
  AgentMemoryConfig,
  AgentModelConfig,
  AgentPersonality,
  AgentStatus,
} from './dna.js';

const partial = <T extends Parameters<typeof Type.Partial>[0]>(schema: T) =>
  Type.Optional(deepPartial(Type.Partial(schema, { additionalProperties: false })));

/** Creating an agent: name and slug; every DNA part is optional and completed with its defaults. */
export const AgentCreate = Type.Object(
  {
    name: AgentDNA.properties.name,
    slug: AgentDNA.properties.slug,
    tagline: Type.Optional(withoutDefaults(AgentDNA.properties.tagline)),
    avatarEmoji: Type.Optional(withoutDefaults(AgentDNA.properties.avatarEmoji)),
    personality: partial(AgentPersonality),
    sharedSkillNames: Type.Optional(withoutDefaults(AgentDNA.properties.sharedSkillNames)),
    customSkillNames: Type.Optional(withoutDefaults(AgentDNA.properties.customSkillNames)),
    disabledSkillNames: Type.Optional(withoutDefaults(AgentDNA.properties.disabledSkillNames)),
    modelConfig: partial(AgentModelConfig),
    memoryConfig: partial(AgentMemoryConfig),
    boundaries: partial(AgentBoundaries),
    status: Type.Optional(withoutDefaults(AgentStatus)),
  },
  { additionalProperties: false },
);
export type AgentCreate = Static<typeof AgentCreate>;
export const AgentPatch = Type.Partial(AgentCreate, { additionalProperties: false, minProperties: 1 });

/** An agent: its id, organization and timestamps, and its whole DNA with defaults applied. */
export const AgentDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  createdBy: Nullable(Uuid),
  createdAt: DateTime,
  updatedAt: DateTime,
  ...withoutDefaults(AgentDNA.properties),
});
export type AgentDto = Static<typeof AgentDto>;

/** The DTO of an agent read through a read model (`AgentView`) or of a managed entity after a write. */
export const toAgentDto = (agent: Agent | AgentView): AgentDto => {
  const { createdAt, updatedAt, ...rest } = agent instanceof Agent ? agentView(agent) : agent;
  return { ...rest, createdAt: iso(createdAt)!, updatedAt: iso(updatedAt)! };
};

export const AgentListQuery = Type.Object({ status: Type.Optional(withoutDefaults(AgentStatus)) });

export const AgentKeyCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 2, uniqueItems: true })),
    expiresAt: Type.Optional(Nullable(DateTime)),
  },
  { additionalProperties: false },
);
