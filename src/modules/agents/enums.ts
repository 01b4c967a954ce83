/** Enumerations of the agents context (seed 004 FR-4), mirrored by native PostgreSQL enum types. */
export const AGENT_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
