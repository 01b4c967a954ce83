/**
 * MCP tools and resources of the agents context: the calling agent's own memory (`remember`, `recall`,
 * `forget`), its profile (its DNA) and its recent conversations.
 */
import Type from 'typebox';
import { Uuid } from '../../common/schemas.js';
import { parseInstant } from '../../common/values.js';
import { defineTool, type McpContribution, type McpResourceTemplate } from '../../http/mcp-tools.js';
import { AgentMemoryService } from './agent-memory.service.js';
import { AgentService } from './agent.service.js';
import { ConversationService } from './conversation.service.js';
import {
  MemoryCreate,
  MemoryRecord,
  MemorySearchRequest,
  MemorySearchResult,
  toAgentDto,
  toConversationDto,
  toMemoryRecord,
  toMessageDto,
  toSearchResult,
} from './schemas.js';

const instant = (value: string | null | undefined, field: string): Date | null =>
  value === undefined || value === null ? null : parseInstant(value, field);

const m = MemoryCreate.properties;

const remember = defineTool({
  name: 'remember',
  title: 'Remember something',
  description:
    'Stores a memory of yours: a fact, a preference, a procedure or an event you want to recall later ' +
    '(`content`, plain text). By default only you see it (memoryType agent_private); shared makes it visible ' +
    'to the whole organization. Optional: subject, importance (1..10), tags, metadata, expiresAt, and userId ' +
    'when it is about a person (memoryType user_profile). Returns the stored memory with its id (for forget).',
  audience: ['agent'],
  input: Type.Object(
    {
      content: m.content,
      memoryType: Type.Optional(m.memoryType),
      subject: m.subject,
      importance: m.importance,
      tags: m.tags,
      metadata: m.metadata,
      expiresAt: m.expiresAt,
      userId: m.userId,
    },
    { additionalProperties: false },
  ),
  output: MemoryRecord,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(ctx, { expiresAt, ...input }) {
    const memory = await new AgentMemoryService(ctx.em, ctx.app.embedder).remember(await ctx.caller(), {
      ...input,
      expiresAt: instant(expiresAt, 'expiresAt'),
    });
    return {
      result: toMemoryRecord(memory),
      summary: `Remembered as memory ${memory.id} (${memory.memoryType}).`,
    };
  },
});

const s = MemorySearchRequest.properties;
const RecallResult = Type.Object({ memories: Type.Array(MemorySearchResult) });

const recall = defineTool({
  name: 'recall',
  title: 'Recall memories',
  description:
    'Searches your own memories by meaning: give a `query` in plain words and get the closest active ' +
    'memories, best first, each with its cosine `similarity` (1 = same meaning). Optional: k (how many, ' +
    'default 10), memoryTypes, minScore.',
  audience: ['agent'],
  input: Type.Object(
    {
      query: Type.String({ minLength: 1, maxLength: 10_000, description: 'what to recall, in plain words' }),
      k: s.k,
      memoryTypes: s.memoryTypes,
      minScore: s.minScore,
    },
    { additionalProperties: false },
  ),
  output: RecallResult,
  annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
  async run(ctx, input) {
    const hits = await new AgentMemoryService(ctx.em, ctx.app.embedder).recall(await ctx.caller(), input);
    return {
      result: { memories: hits.map(toSearchResult) },
      summary: hits.length
        ? `${hits.length} memor${hits.length === 1 ? 'y' : 'ies'} found, best first.`
        : 'No memory matches.',
    };
  },
});

const forget = defineTool({
  name: 'forget',
  title: 'Forget a memory',
  description:
    'Deletes one of your own memories by its id (`memoryId`, from remember or recall). Say why in `reason`: ' +
    "the memory log keeps the memory's last state, who deleted it and why.",
  audience: ['agent'],
  input: Type.Object(
    {
      memoryId: Uuid,
      reason: Type.Optional(Type.String({ maxLength: 1000, description: 'kept in the memory log' })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ forgotten: MemoryRecord }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(ctx, input) {
    const memory = await new AgentMemoryService(ctx.em, ctx.app.embedder).forget(
      await ctx.caller(),
      input.memoryId,
      input.reason,
    );
    return {
      result: { forgotten: toMemoryRecord(memory) },
      summary: `Memory ${input.memoryId} is forgotten.`,
    };
  },
});

const RECENT_CONVERSATIONS = 20;
const CONVERSATION_URI = /^oversight:\/\/conversations\/([0-9a-fA-F-]{36})$/;

const conversation: McpResourceTemplate = {
  uriTemplate: 'oversight://conversations/{id}',
  name: 'conversation',
  title: 'A conversation with its messages',
  description:
    'One of your conversations (id from oversight://agent/conversations) with its messages, oldest first.',
  audience: ['agent', 'user'],
  match: (uri) => {
    const id = CONVERSATION_URI.exec(uri)?.[1];
    return id ? { id } : null;
  },
  async read(ctx, { id }) {
    const caller = await ctx.caller();
    const service = new ConversationService(ctx.em);
    const found = await service.get(caller, id!);
    return {
      conversation: toConversationDto(found),
      messages: (await service.listMessages(caller, id!)).map(toMessageDto),
    };
  },
};

export const agentsMcp: McpContribution = {
  tools: [remember, recall, forget],
  resources: [
    {
      uri: 'oversight://agent/profile',
      name: 'agent-profile',
      title: 'Your profile (agent DNA)',
      description:
        'Who you are in Oversight: name, personality, skills, model and memory settings, and your boundaries ' +
        '(canDo, cannotDo, requireApprovalFor, maxAutonomousActions) that request_validation checks.',
      audience: ['agent'],
      async read(ctx) {
        const caller = await ctx.caller();
        return toAgentDto(await new AgentService(ctx.em).get(caller, caller.agentId!));
      },
    },
    {
      uri: 'oversight://agent/conversations',
      name: 'recent-conversations',
      title: 'Your recent conversations',
      description: `Your ${RECENT_CONVERSATIONS} most recently active conversations (a person's key: theirs); read one with oversight://conversations/{id}.`,
      audience: ['agent', 'user'],
      async read(ctx) {
        const caller = await ctx.caller();
        const list = await new ConversationService(ctx.em).list(caller, {
          ...(caller.kind === 'user' && caller.userId ? { userId: caller.userId } : {}),
          limit: RECENT_CONVERSATIONS,
        });
        return { conversations: list.map(toConversationDto) };
      },
    },
  ],
  templates: [conversation],
};
