/**
 * Agent DNA (seed 004 FR-3.4 + FR-9): the typed JSON an agent is made of, stored in the jsonb columns
 * `personality`, `model_config_json`, `memory_config` and `boundaries` of `agents`.
 *
 * Every field has a default, so `{}` (the column default, or a row written by plain SQL) reads back as a
 * complete object. `DnaJsonType` makes this hold at the ORM boundary: values are validated and completed
 * with their defaults when written (a bad value never reaches the database) and completed when read.
 */
import { JsonType, type Platform, type TransformContext } from '@mikro-orm/core';
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { InvalidInputError } from '../../common/errors.js';
import type { Agent } from './agent.entity.js';
import { AGENT_STATUSES } from './enums.js';

const Text = (maxLength: number, def = '') => Type.String({ maxLength, default: def });
const Names = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500, default: [], description });
const Weight = (def: number, description: string) =>
  Type.Number({ minimum: 0, maximum: 1, default: def, description });

/** A sample exchange showing how the agent sounds. */
export const VoiceExample = Type.Object(
  {
    userMessage: Type.String({ minLength: 1, maxLength: 4000 }),
    agentResponse: Type.String({ minLength: 1, maxLength: 4000 }),
    context: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type VoiceExample = Static<typeof VoiceExample>;

export const AgentPersonality = Type.Object(
  {
    systemPromptTemplate: Text(20_000),
    tone: Text(100, 'professional'),
    verbosity: Type.Enum(['concise', 'balanced', 'detailed'], { default: 'balanced' }),
    formality: Type.Enum(['casual', 'neutral', 'formal'], { default: 'neutral' }),
    language: Type.String({ minLength: 2, maxLength: 35, default: 'en', description: 'BCP 47 tag' }),
    traits: Names('character traits, e.g. curious, precise'),
    voiceExamples: Type.Array(VoiceExample, { maxItems: 50, default: [] }),
    alwaysRules: Names('things the agent always does'),
    neverRules: Names('things the agent never does'),
    customInstructions: Text(20_000),
  },
  { additionalProperties: false, default: {} },
);
export type AgentPersonality = Static<typeof AgentPersonality>;

export const AgentModelConfig = Type.Object(
  {
    modelName: Type.String({ minLength: 1, maxLength: 200, default: 'default' }),
    temperature: Type.Number({ minimum: 0, maximum: 2, default: 0.7 }),
    maxOutputTokens: Type.Integer({ minimum: 1, maximum: 200_000, default: 4096 }),
    topP: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
  },
  { additionalProperties: false, default: {} },
);
export type AgentModelConfig = Static<typeof AgentModelConfig>;

/** How retrieved memories are ranked; each weight is 0..1. */
export const RetrievalWeights = Type.Object(
  {
    semantic: Weight(0.4, 'cosine similarity to the query'),
    recency: Weight(0.25, 'how recently the memory was created or used'),
    importance: Weight(0.2, 'the memory importance (1..10)'),
    continuity: Weight(0.15, 'memories from the same conversation'),
  },
  { additionalProperties: false, default: {} },
);
export type RetrievalWeights = Static<typeof RetrievalWeights>;

export const AgentMemoryConfig = Type.Object(
  {
    tokenBudget: Type.Integer({ minimum: 0, maximum: 200_000, default: 2000 }),
    autoExtract: Type.Boolean({ default: true }),
    summarizeEveryMessages: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
    retrievalLimit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    minSimilarity: Type.Number({ minimum: -1, maximum: 1, default: 0 }),
    retrievalWeights: RetrievalWeights,
  },
  { additionalProperties: false, default: {} },
);
export type AgentMemoryConfig = Static<typeof AgentMemoryConfig>;

export const AgentBoundaries = Type.Object(
  {
    canDo: Names('actions the agent may take on its own'),
    cannotDo: Names('actions the agent must never take'),
    escalatesTo: Type.Union([Type.String({ maxLength: 255 }), Type.Null()], { default: null }),
    maxAutonomousActions: Type.Integer({ minimum: 0, maximum: 10_000, default: 10 }),
    requireApprovalFor: Names('actions that need a human first'),
  },
  { additionalProperties: false, default: {} },
);
export type AgentBoundaries = Static<typeof AgentBoundaries>;

export const AgentStatus = Type.Enum([...AGENT_STATUSES], { default: 'draft' });

const Slug = Type.String({
  minLength: 2,
  maxLength: 100,
  pattern: '^[a-z0-9][a-z0-9-]*[a-z0-9]$',
  description: 'lower-case letters, digits and inner hyphens; unique in the organization',
});

/** The whole agent definition, with every default applied (what `GET /agents/:id` answers). */
export const AgentDNA = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    slug: Slug,
    tagline: Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { default: null }),
    avatarEmoji: Type.Union([Type.String({ minLength: 1, maxLength: 16 }), Type.Null()], { default: null }),
    personality: AgentPersonality,
    sharedSkillNames: Names('skills shared by the organization that this agent uses'),
    customSkillNames: Names("the agent's own skills"),
    disabledSkillNames: Names('skills switched off for this agent'),
    modelConfig: AgentModelConfig,
    memoryConfig: AgentMemoryConfig,
    boundaries: AgentBoundaries,
    status: AgentStatus,
  },
  { additionalProperties: false },
);
export type AgentDNA = Static<typeof AgentDNA>;

/** The DNA of an agent as one typed object (seed 004 FR-9 `AgentDNA`). */
export const agentDna = (a: Agent): AgentDNA => ({
  name: a.name,
  slug: a.slug,
  tagline: a.tagline ?? null,
  avatarEmoji: a.avatarEmoji ?? null,
  personality: a.personality,
  sharedSkillNames: a.sharedSkillNames,
  customSkillNames: a.customSkillNames,
  disabledSkillNames: a.disabledSkillNames,
  modelConfig: a.modelConfigJson,
  memoryConfig: a.memoryConfig,
  boundaries: a.boundaries,
  status: a.status,
});

/** Validates `value` against `schema` after filling in defaults; a failure names the field. */
export function parseDna<S extends TSchema>(schema: S, value: unknown, field: string): Static<S> {
  const candidate = Value.Default(schema, Value.Clone(value ?? {}));
  const first = [...Value.Errors(schema, candidate)][0];
  if (first) {
    const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const name = path ? `${field}.${path}` : field;
    throw new InvalidInputError(`${name} ${first.message}`, { field: name });
  }
  return candidate as Static<S>;
}

/** Defaults for a DNA part: what `{}` means. */
export const dnaDefaults = <S extends TSchema>(schema: S): Static<S> => parseDna(schema, {}, 'dna');

/**
 * Fills the keys `value` lacks with fresh copies of `defaults`, recursively through nested objects; what is
 * there is kept as it is (the database already holds validated values: nothing is re-validated on read).
 * A complete value comes back unchanged, without a copy.
 */
export function completeWithDefaults<T>(defaults: T, value: unknown): T {
  if (!isObject(defaults) || !isObject(value)) return value === undefined ? copy(defaults) : (value as T);
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(defaults)) {
    const have = value[key];
    const want = defaults[key];
    const completed =
      have === undefined ? copy(want) : isObject(want) ? completeWithDefaults(want, have) : have;
    if (completed !== have) (out ??= { ...value })[key] = completed;
  }
  return (out ?? value) as T;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const copy = <T>(v: T): T => (Array.isArray(v) || isObject(v) ? (structuredClone(v) as T) : v);

/** The DNA parts stored in jsonb columns, by the name used in messages and the API. */
const DNA_PARTS = {
  personality: AgentPersonality,
  modelConfig: AgentModelConfig,
  memoryConfig: AgentMemoryConfig,
  boundaries: AgentBoundaries,
} as const;
export type DnaPart = keyof typeof DNA_PARTS;

/** Compiled checks (fast, no allocation) and the defaults of each part, computed once. */
const DNA_CHECKS = {
  personality: Compile(AgentPersonality),
  modelConfig: Compile(AgentModelConfig),
  memoryConfig: Compile(AgentMemoryConfig),
  boundaries: Compile(AgentBoundaries),
};
/** Every part's defaults: what `{}` in the database reads as. */
export const DNA_DEFAULTS = {
  personality: dnaDefaults(AgentPersonality),
  modelConfig: dnaDefaults(AgentModelConfig),
  memoryConfig: dnaDefaults(AgentMemoryConfig),
  boundaries: dnaDefaults(AgentBoundaries),
};

/**
 * jsonb column holding one DNA part. Written: validated and completed with defaults (a bad value never
 * reaches the database); a value that is already complete and valid passes a compiled check and is stored
 * as it is. Read: only completed with defaults (`{}` from a raw insert or the column default reads back
 * whole), never re-validated: the database holds what was validated on the way in.
 * (The schema is looked up by name: the ORM copies type instances during discovery, and a copied
 * TypeBox schema is no longer recognised.)
 */
export class DnaJsonType extends JsonType {
  constructor(private readonly part: DnaPart) {
    super();
  }

  override convertToDatabaseValue(
    value: unknown,
    platform: Platform,
    context?: TransformContext,
  ): string | null {
    if (value == null) return value as never;
    const valid = DNA_CHECKS[this.part].Check(value)
      ? value
      : parseDna(DNA_PARTS[this.part], value, this.part);
    return super.convertToDatabaseValue(valid, platform, context);
  }

  override convertToJSValue(value: unknown, platform: Platform, context?: TransformContext): unknown {
    const parsed: unknown = super.convertToJSValue(value as string, platform, context);
    return completeWithDefaults(DNA_DEFAULTS[this.part], parsed ?? {});
  }

  override getColumnType(): string {
    return 'jsonb';
  }
}
