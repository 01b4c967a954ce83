/**
 * How requests are validated (Fastify's `schemaController`): two ajv instances built by Fastify's own
 * compiler, chosen by where the schema applies.
 *
 * - Bodies are JSON and keep their types: no coercion. `conversationRetentionDays: 0` against
 *   `integer | null` used to become `null` ("no limit"), `"5"` became 5 and `5` became `"5"`; a wrong type is
 *   now a 400 naming the field (tests/http/coercion.test.ts).
 * - Query strings, path parameters and headers arrive as text, so their schemas coerce (`?limit=5`,
 *   `?includeEmbedding=true`), and a single value becomes a one-item array where an array is expected.
 *
 * Both share the rest: every failing field is reported, defaults are filled in, nothing is removed, the
 * `date-time` format is `instantOf` (src/common/values.ts: the one date-time parser, so a value JavaScript
 * or PostgreSQL cannot represent is a 400 naming the field), and the `x-json` keyword carried by the
 * free-form JSON schemas (`JsonObject`, `JsonArray`, `JsonDocument` in src/common/schemas.ts) applies the
 * size part of the JSON policy; its depth part is checked on the whole body before validation
 * (src/http/errors.plugin.ts).
 */
import { AjvCompiler, type Ajv } from '@fastify/ajv-compiler';
import type { SchemaValidateFunction } from 'ajv';
import type { FastifyServerOptions } from 'fastify';
import { JSON_KEYWORD, type JsonKind } from '../common/schemas.js';
import { instantOf, jsonLongerThan, MAX_JSON_FIELD_BYTES } from '../common/values.js';

const shared = { allErrors: true, removeAdditional: false, useDefaults: true } as const;

/** The `date-time` format and the JSON size keyword, on each ajv instance. */
function extend(ajv: Ajv): void {
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => instantOf(value) !== null });
  const validate: SchemaValidateFunction = (kind: JsonKind, data: unknown) => {
    if (kind === 'document' || !jsonLongerThan(data, MAX_JSON_FIELD_BYTES)) return true;
    validate.errors = [
      {
        keyword: JSON_KEYWORD,
        message: `must not be longer than ${MAX_JSON_FIELD_BYTES} bytes of JSON`,
        params: { maxBytes: MAX_JSON_FIELD_BYTES },
      },
    ];
    return false;
  };
  ajv.addKeyword({ keyword: JSON_KEYWORD, schemaType: 'string', errors: true, validate });
}

/** The `schemaController` option of `Fastify(...)`. */
export function requestValidation(): NonNullable<FastifyServerOptions['schemaController']> {
  const factory = AjvCompiler();
  return {
    compilersFactory: {
      buildValidator(externalSchemas) {
        const forBody = factory(externalSchemas, {
          customOptions: { ...shared, coerceTypes: false },
          onCreate: extend,
        });
        const forText = factory(externalSchemas, {
          customOptions: { ...shared, coerceTypes: 'array' },
          onCreate: extend,
        });
        return (route) => (route.httpPart === 'body' ? forBody(route) : forText(route));
      },
    },
  };
}
