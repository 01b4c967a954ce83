/**
 * HTTP contracts of the agents context (seed 004 FR-9), one file per aggregate: agent.schemas.ts (Agent
 * DNA), conversation.schemas.ts (conversations and messages), memory.schemas.ts (memories).
 * `UserCreate`, `TeamCreate` and `TeamMembership` live in identity/schemas.ts.
 */
export * from './agent.schemas.js';
export * from './conversation.schemas.js';
export * from './memory.schemas.js';
/** FR-9's `UserCreate`, `TeamCreate` and `TeamMembership` are identity's (one user/organization model). */
export { TeamCreate, TeamMembership, UserCreate } from '../identity/schemas.js';
export {
  AgentBoundaries,
  AgentDNA,
  AgentMemoryConfig,
  AgentModelConfig,
  AgentPersonality,
  AgentStatus,
  RetrievalWeights,
  VoiceExample,
} from './dna.js';
