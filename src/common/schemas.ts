/** TypeBox building blocks shared by every context's schemas. */
import Type, { type Static } from 'typebox';

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
export const DateTime = Type.String({ format: 'date-time' });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const IdParams = Type.Object({ id: Uuid });

/** The one error body of the API: `{ error, message, fields?, details?, retryable? }`. */
export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code' }),
    message: Type.String(),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    retryable: Type.Optional(Type.Boolean()),
  },
  { $id: 'ErrorResponse', title: 'ErrorResponse' },
);
export type ErrorBody = Static<typeof ErrorResponse>;

/** Response schemas for the given error statuses, for a route's `schema.response`. */
export function errorResponses(...codes: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(codes.map((c) => [c, ErrorResponse]));
}

/** Cursor pagination: `limit` items after `cursor` (opaque, from the previous page's `nextCursor`). */
export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

/**
 * Free-form JSON in a request, under the one JSON policy (src/common/values.ts): `x-json: 'field'` caps its
 * JSON text at MAX_JSON_FIELD_BYTES (checked by src/http/validation.ts); `'document'` is a route's own
 * document (a lockfile, a scanner's report), bounded by the body limit. Nesting is capped for every body
 * before validation. Declare every free-form input with these, so the policy reaches it
 * (tests/http/json-policy.test.ts walks the OpenAPI document for free-form fields without them).
 */
export const JSON_KEYWORD = 'x-json';
export type JsonKind = 'field' | 'document';
const jsonKind = (kind: JsonKind) => ({ [JSON_KEYWORD]: kind });

/** A free-form JSON object (string keys, any values). */
export const JsonObject = (options: { description?: string; kind?: JsonKind; default?: object } = {}) => {
  const { kind = 'field', ...rest } = options;
  return Type.Record(Type.String(), Type.Unknown(), { ...rest, ...jsonKind(kind) });
};

/** A free-form JSON array. */
export const JsonArray = (options: { maxItems: number; description?: string }) =>
  Type.Array(Type.Unknown(), { ...options, ...jsonKind('field') });

/** A route's own JSON document, of any shape (e.g. a whole package-lock.json body). */
export const JsonDocument = (description: string) => Type.Unknown({ description, ...jsonKind('document') });

/** Serializes a Date (or null) for a response. */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/**
 * Free text without NUL characters (PostgreSQL cannot store U+0000 in text or jsonb, so letting one
 * through would turn bad input into a 500).
 */
export const Text = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: '^[^\\u0000]*$' });

/** Text with at least one non-blank character, and no NUL. */
export const NonBlank = (maxLength: number, description?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: '^(?![\\s\\S]*\\u0000)[\\s\\S]*\\S',
    ...(description && { description }),
  });

/** A copy of a schema without the given keywords, at every depth (TypeBox's hidden markers kept hidden). */
export function strip<T>(schema: T, keywords: readonly string[]): T {
  if (Array.isArray(schema)) return schema.map((item) => strip(item, keywords)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy = {};
  for (const key of Reflect.ownKeys(schema)) {
    if (typeof key === 'string' && keywords.includes(key)) continue;
    // keep non-enumerable markers non-enumerable (ajv's strict mode rejects them otherwise)
    const descriptor = Object.getOwnPropertyDescriptor(schema, key)!;
    Object.defineProperty(copy, key, { ...descriptor, value: strip(descriptor.value, keywords) });
  }
  return copy as T;
}

/**
 * Request bodies are validated with `useDefaults`: input schemas must not carry the DNA defaults, or a
 * partial DNA part would be completed with defaults that then overwrite the stored values.
 */
export const withoutDefaults = <T>(schema: T): T => strip(schema, ['default']);

/** Every property optional at every depth, no defaults: the service validates the merged whole. */
export const deepPartial = <T>(schema: T): T => strip(schema, ['default', 'required']);
