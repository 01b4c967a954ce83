import { BaseRepository } from '../../common/base.repository.js';
import { NotFoundError } from '../../common/errors.js';
import { PreparedQuery, type RowTools } from '../../db/prepared.js';
import { Agent } from './agent.entity.js';
import { agentDna, completeWithDefaults, DNA_DEFAULTS, type AgentDNA } from './dna.js';
import type { AgentStatus } from './enums.js';

/** An agent as read models return it: plain data, its whole DNA with defaults applied. */
export interface AgentView extends AgentDNA {
  id: string;
  organizationId: string;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The view of a managed entity (after a write), the same shape the read models return. */
export const agentView = (a: Agent): AgentView => ({
  id: a.id,
  organizationId: a.organization.id,
  createdBy: a.createdBy?.id ?? null,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
  ...agentDna(a),
});

interface AgentRow {
  id: string;
  organization_id: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  name: string;
  slug: string;
  tagline: string | null;
  avatar_emoji: string | null;
  personality: unknown;
  shared_skill_names: string[];
  custom_skill_names: string[];
  disabled_skill_names: string[];
  model_config_json: unknown;
  memory_config: unknown;
  boundaries: unknown;
  status: AgentStatus;
}

/** jsonb arrives parsed from PostgreSQL; PGlite may hand it over as text. */
const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/** A row as stored: DNA validated on the way in, so it is only completed with defaults, never re-validated. */
const toView = (r: AgentRow, { date }: RowTools): AgentView => ({
  id: r.id,
  organizationId: r.organization_id,
  createdBy: r.created_by,
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
  name: r.name,
  slug: r.slug,
  tagline: r.tagline,
  avatarEmoji: r.avatar_emoji,
  personality: completeWithDefaults(DNA_DEFAULTS.personality, json(r.personality)),
  sharedSkillNames: r.shared_skill_names,
  customSkillNames: r.custom_skill_names,
  disabledSkillNames: r.disabled_skill_names,
  modelConfig: completeWithDefaults(DNA_DEFAULTS.modelConfig, json(r.model_config_json)),
  memoryConfig: completeWithDefaults(DNA_DEFAULTS.memoryConfig, json(r.memory_config)),
  boundaries: completeWithDefaults(DNA_DEFAULTS.boundaries, json(r.boundaries)),
  status: r.status,
});

const viewById = new PreparedQuery<{ organizationId: string; id: string }, AgentView, AgentRow>(
  (em, value) =>
    em
      .createQueryBuilder(Agent, 'a')
      .select('*')
      .where({ id: value('id'), organization: value('organizationId') }),
  toView,
  { replica: true },
);

const viewsInOrganization = new PreparedQuery<{ organizationId: string }, AgentView, AgentRow>(
  (em, value) =>
    em
      .createQueryBuilder(Agent, 'a')
      .select('*')
      .where({ organization: value('organizationId') })
      .orderBy({ name: 'asc', id: 'asc' }),
  toView,
  { replica: true },
);

const viewsWithStatus = new PreparedQuery<
  { organizationId: string; status: AgentStatus },
  AgentView,
  AgentRow
>(
  (em, value) =>
    em
      .createQueryBuilder(Agent, 'a')
      .select('*')
      .where({ organization: value('organizationId'), status: value('status') as AgentStatus })
      .orderBy({ name: 'asc', id: 'asc' }),
  toView,
  { replica: true },
);

export class AgentRepository extends BaseRepository<Agent> {
  findBySlug(organizationId: string, slug: string): Promise<Agent | null> {
    return this.findOne({ organization: organizationId, slug });
  }

  /** Read model: one agent of the organization as plain data (nothing managed); another tenant's is not found. */
  async viewInOrganization(organizationId: string, id: string): Promise<AgentView> {
    const view = await viewById.one(this.getEntityManager(), { organizationId, id });
    if (!view) throw new NotFoundError('Agent', id);
    return view;
  }

  /** Read model: the organization's agents (optionally with one status), by name. */
  listViews(organizationId: string, status?: AgentStatus): Promise<AgentView[]> {
    return status
      ? viewsWithStatus.all(this.getEntityManager(), { organizationId, status })
      : viewsInOrganization.all(this.getEntityManager(), { organizationId });
  }
}
