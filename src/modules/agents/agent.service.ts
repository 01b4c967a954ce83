import type { EntityManager } from '@mikro-orm/core';
import { ConflictError, RuleViolationError } from '../../common/errors.js';
import { actorOf, requireRole, type Caller } from '../identity/access.js';
import { ApiKeyService, checkKeyInput, type MintedKey } from '../identity/api-key.service.js';
import { AuditLog } from '../identity/audit-log.entity.js';
import type { ApiKeyScope } from '../identity/enums.js';
import { Organization } from '../identity/organization.entity.js';
import { Agent } from './agent.entity.js';
import type { AgentView } from './agent.repository.js';
import {
  AgentBoundaries,
  AgentMemoryConfig,
  AgentModelConfig,
  AgentPersonality,
  agentDna,
  parseDna,
  type AgentDNA,
} from './dna.js';
import type { AgentStatus } from './enums.js';

type DnaParts = Pick<AgentDNA, 'personality' | 'modelConfig' | 'memoryConfig' | 'boundaries'>;

/** What a caller sends to create an agent: the name and slug, everything else has defaults. */
export type AgentInput = Partial<Omit<AgentDNA, keyof DnaParts>> & {
  name: string;
  slug: string;
} & { [K in keyof DnaParts]?: Partial<DnaParts[K]> };

export type AgentPatch = Partial<AgentInput>;

export interface AgentFilter {
  status?: AgentStatus;
}

/** Moved to dna.ts (the contract must not import a service); kept for bench/orm-vs-raw.ts. */
export { agentDna } from './dna.js';

/** Agents of an organization: admins and owners shape them, everyone in the organization reads them. */
export class AgentService {
  constructor(private readonly em: EntityManager) {}

  private audit(caller: Caller, action: string, agent: Agent, details: Record<string, unknown>) {
    this.em.getRepository(AuditLog).record(actorOf(caller), {
      organizationId: caller.organizationId,
      action,
      resourceType: 'agent',
      resourceId: agent.id,
      details,
    });
  }

  private async assertSlugFree(organizationId: string, slug: string): Promise<void> {
    if (await this.em.getRepository(Agent).findBySlug(organizationId, slug)) {
      throw new ConflictError(`an agent with slug '${slug}' already exists in this organization`, {
        field: 'slug',
      });
    }
  }

  async create(caller: Caller, input: AgentInput): Promise<Agent> {
    requireRole(caller, 'admin');
    await this.assertSlugFree(caller.organizationId, input.slug);
    const agent = this.em.getRepository(Agent).create({
      organization: this.em.getReference(Organization, caller.organizationId),
      name: input.name,
      slug: input.slug,
      tagline: input.tagline ?? null,
      avatarEmoji: input.avatarEmoji ?? null,
      personality: parseDna(AgentPersonality, input.personality, 'personality'),
      modelConfigJson: parseDna(AgentModelConfig, input.modelConfig, 'modelConfig'),
      memoryConfig: parseDna(AgentMemoryConfig, input.memoryConfig, 'memoryConfig'),
      boundaries: parseDna(AgentBoundaries, input.boundaries, 'boundaries'),
      sharedSkillNames: input.sharedSkillNames ?? [],
      customSkillNames: input.customSkillNames ?? [],
      disabledSkillNames: input.disabledSkillNames ?? [],
      status: input.status ?? 'draft',
      createdBy: caller.userId,
    });
    this.audit(caller, 'agent.created', agent, { after: { name: agent.name, slug: agent.slug } });
    await this.em.flush();
    return agent;
  }

  /** Read model of the agents (nothing managed): what listings show. */
  async listViews(caller: Caller, filter: AgentFilter = {}): Promise<AgentView[]> {
    requireRole(caller, 'viewer');
    return this.em.getRepository(Agent).listViews(caller.organizationId, filter.status);
  }

  /** Read model of one agent (nothing managed): what a GET shows. */
  async view(caller: Caller, id: string): Promise<AgentView> {
    requireRole(caller, 'viewer');
    return this.em.getRepository(Agent).viewInOrganization(caller.organizationId, id);
  }

  async get(caller: Caller, id: string): Promise<Agent> {
    requireRole(caller, 'viewer');
    return this.em.getRepository(Agent).getInOrganization(caller.organizationId, id);
  }

  /**
   * Runs `work` on the agent locked and read again inside one transaction (committed with the work's
   * changes), so concurrent changes queue: a DNA part is never merged into a stale copy of the stored
   * one, and a change read before the agent was archived cannot bring it back.
   */
  private async locked<T>(caller: Caller, id: string, work: (agent: Agent) => T | Promise<T>): Promise<T> {
    await this.em.begin();
    try {
      const agent = await this.em.getRepository(Agent).lockInOrganization(caller.organizationId, id);
      const result = await work(agent);
      await this.em.commit();
      return result;
    } catch (error) {
      await this.em.rollback();
      throw error;
    }
  }

  /** Changes an agent. A DNA part in the patch is merged into the stored one, then validated whole. */
  async update(caller: Caller, id: string, patch: AgentPatch): Promise<Agent> {
    requireRole(caller, 'admin');
    return this.locked(caller, id, (agent) => this.apply(caller, agent, patch));
  }

  private async apply(caller: Caller, agent: Agent, patch: AgentPatch): Promise<Agent> {
    if (agent.status === 'archived' && patch.status !== undefined && patch.status !== 'archived') {
      throw new RuleViolationError('an archived agent stays archived');
    }
    if (patch.slug && patch.slug !== agent.slug) await this.assertSlugFree(caller.organizationId, patch.slug);
    const before = agentDna(agent);
    const scalars = [
      'name',
      'slug',
      'tagline',
      'avatarEmoji',
      'sharedSkillNames',
      'customSkillNames',
      'disabledSkillNames',
      'status',
    ] as const;
    for (const key of scalars) {
      if (patch[key] !== undefined) (agent as unknown as Record<string, unknown>)[key] = patch[key];
    }
    if (patch.personality)
      agent.personality = parseDna(
        AgentPersonality,
        { ...agent.personality, ...patch.personality },
        'personality',
      );
    if (patch.modelConfig)
      agent.modelConfigJson = parseDna(
        AgentModelConfig,
        { ...agent.modelConfigJson, ...patch.modelConfig },
        'modelConfig',
      );
    if (patch.memoryConfig)
      agent.memoryConfig = parseDna(
        AgentMemoryConfig,
        { ...agent.memoryConfig, ...patch.memoryConfig },
        'memoryConfig',
      );
    if (patch.boundaries)
      agent.boundaries = parseDna(
        AgentBoundaries,
        { ...agent.boundaries, ...patch.boundaries },
        'boundaries',
      );
    this.audit(caller, 'agent.updated', agent, { before, after: agentDna(agent) });
    return agent;
  }

  /** Archives an agent: it keeps its history, and its API keys stop working (only active agents act). */
  async archive(caller: Caller, id: string): Promise<Agent> {
    requireRole(caller, 'admin');
    return this.locked(caller, id, (agent) => {
      if (agent.status !== 'archived') {
        const before = agent.status;
        agent.status = 'archived';
        this.audit(caller, 'agent.archived', agent, {
          before: { status: before },
          after: { status: 'archived' },
        });
      }
      return agent;
    });
  }

  /** Mints an API key for the agent (admin+). The raw key is returned once and never stored. */
  async mintKey(
    caller: Caller,
    id: string,
    input: { name: string; scopes?: ApiKeyScope[]; expiresAt?: Date | null },
  ): Promise<MintedKey> {
    requireRole(caller, 'admin');
    const agent = await this.get(caller, id);
    if (agent.status === 'archived') throw new RuleViolationError('an archived agent cannot get new keys');
    const scopes = input.scopes ?? ['read', 'write'];
    if (scopes.includes('admin')) {
      throw new RuleViolationError('agents act as members: an agent key cannot have the admin scope', {
        field: 'scopes',
      });
    }
    checkKeyInput(input);
    const minted = new ApiKeyService(this.em).mintFor(actorOf(caller), {
      name: input.name,
      user: null,
      organization: await this.em.getRepository(Organization).getByIdOrFail(caller.organizationId),
      scopes,
      expiresAt: input.expiresAt ?? null,
      agent,
    });
    await this.em.flush();
    return minted;
  }
}
