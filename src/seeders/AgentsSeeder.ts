import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { Agent } from '../modules/agents/agent.entity.js';
import { Conversation } from '../modules/agents/conversation.entity.js';
import { embedText } from '../modules/agents/demo-embedder.js';
import {
  AgentBoundaries,
  AgentMemoryConfig,
  AgentModelConfig,
  AgentPersonality,
  parseDna,
} from '../modules/agents/dna.js';
import type { MemoryType, MessageRole } from '../modules/agents/enums.js';
import { MemoryTag } from '../modules/agents/memory-tag.entity.js';
import { Memory } from '../modules/agents/memory.entity.js';
import { Message } from '../modules/agents/message.entity.js';
import { Organization } from '../modules/identity/organization.entity.js';
import { User } from '../modules/identity/user.entity.js';
import { DEMO_ORGANIZATION_SLUG, DEMO_PEOPLE } from './IdentitySeeder.js';

interface DemoAgent {
  slug: string;
  name: string;
  tagline: string;
  avatarEmoji: string;
  status: 'active' | 'draft';
  tone: string;
  conversation?: { title: string; messages: [MessageRole, string, number][] };
  memories: {
    type: MemoryType;
    content: string;
    subject: string;
    importance: number;
    tags: string[];
    aboutUser?: boolean;
  }[];
}

/** Demo agents with a conversation each and memories whose embeddings come from the demo embedder. */
export const DEMO_AGENTS: DemoAgent[] = [
  {
    slug: 'atlas',
    name: 'Atlas',
    tagline: 'Research assistant that cites its sources',
    avatarEmoji: '🧭',
    status: 'active',
    tone: 'precise',
    conversation: {
      title: 'Quarterly infrastructure review',
      messages: [
        ['user', 'Summarise the database upgrade plan for the quarterly review.', 14],
        [
          'assistant',
          'The plan moves PostgreSQL 15 to 16 in two steps: a replica first, then the primary.',
          22,
        ],
        ['user', 'Which risks did the team flag for the database upgrade?', 12],
        [
          'assistant',
          'Extension compatibility (pgvector) and a longer maintenance window for the primary.',
          19,
        ],
      ],
    },
    memories: [
      {
        type: 'semantic',
        content: 'The database upgrade moves PostgreSQL 15 to 16, replica first then primary.',
        subject: 'database upgrade',
        importance: 8,
        tags: ['database', 'upgrade'],
      },
      {
        type: 'semantic',
        content: 'pgvector must be reinstalled for the new PostgreSQL major version.',
        subject: 'pgvector',
        importance: 7,
        tags: ['database', 'pgvector'],
      },
      {
        type: 'episodic',
        content: 'The quarterly review asked for a summary of the database upgrade risks.',
        subject: 'quarterly review',
        importance: 5,
        tags: ['review'],
      },
      {
        type: 'procedural',
        content: 'Before a database upgrade, take a backup and test restore on a replica.',
        subject: 'database upgrade',
        importance: 9,
        tags: ['runbook', 'database'],
      },
      {
        type: 'agent_private',
        content: 'Remy prefers short summaries with the risks listed first.',
        subject: 'summaries',
        importance: 4,
        tags: ['style'],
      },
    ],
  },
  {
    slug: 'sage',
    name: 'Sage',
    tagline: 'Support agent for billing questions',
    avatarEmoji: '🌿',
    status: 'active',
    tone: 'warm',
    conversation: {
      title: 'Invoice question',
      messages: [
        ['user', 'Why was my invoice for November higher than October?', 11],
        [
          'assistant',
          'Your plan moved from starter to pro on November 3, so the invoice includes a prorated upgrade.',
          24,
        ],
      ],
    },
    memories: [
      {
        type: 'user_profile',
        content: 'Remy manages billing for the demo organization and prefers email.',
        subject: 'Remy',
        importance: 6,
        tags: ['billing', 'contact'],
        aboutUser: true,
      },
      {
        type: 'shared',
        content: 'Invoices are issued on the first day of each month; upgrades are prorated.',
        subject: 'invoices',
        importance: 8,
        tags: ['billing'],
      },
      {
        type: 'identity',
        content: 'Sage answers billing questions warmly and never promises refunds.',
        subject: 'Sage',
        importance: 10,
        tags: ['persona'],
      },
      {
        type: 'semantic',
        content: 'Memory without an embedding: stored, never returned by vector search.',
        subject: 'demo',
        importance: 2,
        tags: ['demo'],
      },
    ],
  },
  {
    slug: 'scout',
    name: 'Scout',
    tagline: 'Draft agent for dependency audits (not active yet)',
    avatarEmoji: '🔭',
    status: 'draft',
    tone: 'neutral',
    memories: [],
  },
];

export class AgentsSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const organization = await em.findOne(Organization, { slug: DEMO_ORGANIZATION_SLUG });
    if (!organization) return;
    const owner = await em.getRepository(User).findByEmail(DEMO_PEOPLE[0]!.email);
    const reviewer = await em.getRepository(User).findByEmail(DEMO_PEOPLE[1]!.email);
    for (const demo of DEMO_AGENTS) {
      if (await em.getRepository(Agent).findBySlug(organization.id, demo.slug)) continue;
      const agent = em.create(Agent, {
        organization,
        name: demo.name,
        slug: demo.slug,
        tagline: demo.tagline,
        avatarEmoji: demo.avatarEmoji,
        status: demo.status,
        personality: parseDna(AgentPersonality, { tone: demo.tone, traits: ['helpful'] }, 'personality'),
        modelConfigJson: parseDna(AgentModelConfig, {}, 'modelConfig'),
        memoryConfig: parseDna(AgentMemoryConfig, {}, 'memoryConfig'),
        boundaries: parseDna(AgentBoundaries, { cannotDo: ['delete data'] }, 'boundaries'),
        createdBy: owner,
      });
      let conversation: Conversation | null = null;
      if (demo.conversation) {
        conversation = em.create(Conversation, {
          organization,
          agent,
          user: reviewer,
          title: demo.conversation.title,
        });
        const start = Date.now() - demo.conversation.messages.length * 60_000;
        demo.conversation.messages.forEach(([role, content, tokenCount], i) =>
          em.create(Message, {
            organization,
            conversation: conversation!,
            agent: role === 'assistant' ? agent : null,
            role,
            content,
            tokenCount,
            model: role === 'assistant' ? 'demo' : null,
            createdAt: new Date(start + i * 60_000),
          }),
        );
      }
      for (const m of demo.memories) {
        const memory = em.create(Memory, {
          organization,
          agent: m.type === 'shared' ? null : agent,
          user: m.aboutUser ? reviewer : null,
          memoryType: m.type,
          content: m.content,
          subject: m.subject,
          embedding: m.subject === 'demo' ? null : embedText(m.content),
          importance: m.importance,
          sourceType: conversation ? 'extraction' : 'explicit',
          sourceConversation: conversation,
          metadata: { demo: true },
        });
        for (const tag of m.tags) em.create(MemoryTag, { organization: memory.organization, memory, tag });
      }
      await em.flush();
    }
  }
}
