/**
 * An agent's own memory, as its MCP tools use it: `remember` stores a memory of the calling agent with the
 * embedding of its content, `recall` searches the agent's own memories by meaning, `forget` deletes one of
 * them. Each goes through `MemoryService`, so the memory log (written by the database trigger) records who
 * changed what and why, and the embedder is the one memory search uses.
 */
import type { EntityManager } from '@mikro-orm/core';
import { requireAgent, type Caller } from '../identity/access.js';
import type { Embedder } from './embedder.js';
import type { MemoryType } from './enums.js';
import type { Memory } from './memory.entity.js';
import type { ScoredMemory } from './memory.repository.js';
import { MemoryService, type MemoryCreate } from './memory.service.js';

export type RememberInput = Omit<MemoryCreate, 'agentId' | 'embedding' | 'memoryType'> & {
  /** Default `agent_private`: only this agent sees it. */
  memoryType?: MemoryType;
};

export interface RecallInput {
  query: string;
  k?: number;
  memoryTypes?: MemoryType[];
  minScore?: number;
}

export class AgentMemoryService {
  private readonly memories: MemoryService;

  /** `embedder`: the configured provider (`app.embedder`), for the content of `remember` and `recall`'s query. */
  constructor(em: EntityManager, embedder?: Embedder) {
    this.memories = new MemoryService(em, embedder);
  }

  async remember(caller: Caller, input: RememberInput): Promise<Memory> {
    requireAgent(caller);
    return this.memories.create(caller, {
      ...input,
      memoryType: input.memoryType ?? 'agent_private',
      agentId: caller.agentId,
      embedding: await this.memories.embed(input.content),
    });
  }

  async recall(caller: Caller, input: RecallInput): Promise<ScoredMemory[]> {
    requireAgent(caller);
    return this.memories.search(caller, { ...input, agentId: caller.agentId });
  }

  async forget(caller: Caller, id: string, reason?: string | null): Promise<Memory> {
    requireAgent(caller);
    return this.memories.remove(caller, id, reason);
  }
}
