/** Factories of the agents context: conversations, messages, memories and test vectors. */
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { Agent } from '../../src/modules/agents/agent.entity.js';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import type { MemoryType } from '../../src/modules/agents/enums.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import type { Organization } from '../../src/modules/identity/organization.entity.js';
import type { User } from '../../src/modules/identity/user.entity.js';

export const DIM = 1536;

/** A unit vector pointing along axis `i` (cosine 0 with every other axis). */
export function axis(i: number): number[] {
  const v = new Array<number>(DIM).fill(0);
  v[i] = 1;
  return v;
}

/** The unit vector a·axis(i) + b·axis(j), normalised: its cosine with axis(i) is a/√(a²+b²). */
export function mix(i: number, a: number, j: number, b: number): number[] {
  const v = new Array<number>(DIM).fill(0);
  const n = Math.sqrt(a * a + b * b);
  v[i] = a / n;
  v[j] = (v[j] ?? 0) + b / n;
  return v;
}

/** Plain SQL, outside the ORM's unit of work (as another program would send it). */
export const sql = <T = Record<string, unknown>>(em: EntityManager, query: string, params: unknown[] = []) =>
  (em as unknown as SqlEntityManager).execute<T[]>(query, params);

export const vectorLiteral = (v: number[]) => `[${v.join(',')}]`;

export async function makeConversation(
  em: EntityManager,
  organization: Organization,
  agent: Agent,
  user: User | null = null,
): Promise<Conversation> {
  const conversation = em.create(Conversation, { organization, agent, user, title: 'Test conversation' });
  await em.flush();
  return conversation;
}

export async function makeMemory(
  em: EntityManager,
  organization: Organization,
  overrides: Partial<{
    memoryType: MemoryType;
    content: string;
    embedding: number[] | null;
    agent: Agent | null;
    user: User | null;
    status: Memory['status'];
    importance: number;
    expiresAt: Date | null;
  }> = {},
): Promise<Memory> {
  const memory = em.create(Memory, {
    organization,
    memoryType: overrides.memoryType ?? 'semantic',
    content: overrides.content ?? 'a memory',
    embedding: overrides.embedding === undefined ? null : overrides.embedding,
    agent: overrides.agent ?? null,
    user: overrides.user ?? null,
    status: overrides.status ?? 'active',
    importance: overrides.importance ?? 5,
    expiresAt: overrides.expiresAt ?? null,
  });
  await em.flush();
  return memory;
}
