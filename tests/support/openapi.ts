/**
 * The routes of the OpenAPI document (`app.swagger()`), for tests that hold for every route: a route added
 * later is covered without touching the test.
 */
import type { FastifyInstance } from 'fastify';

export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
  'x-json'?: 'field' | 'document';
  [key: string]: unknown;
}

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: Schema;
  required?: boolean;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** `/api/v1/agents/{id}` */
  path: string;
  parameters: Parameter[];
  body?: Schema;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export function routes(app: FastifyInstance): Route[] {
  const spec = app.swagger() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Parameter[];
          requestBody?: { content?: Record<string, { schema?: Schema }> };
          responses?: Route['responses'];
        }
      >
    >;
  };
  const out: Route[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      out.push({
        method: method.toUpperCase() as Route['method'],
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
        responses: op.responses ?? {},
      });
    }
  }
  return out;
}

export const label = (r: Route) => `${r.method} ${r.path}`;

/** The branches of a schema (`anyOf`/`oneOf` flattened, e.g. a nullable field gives its type and null). */
export const branches = (s: Schema): Schema[] =>
  (s.anyOf ?? s.oneOf ?? [s]).flatMap((b) => (b.anyOf || b.oneOf ? branches(b) : [b]));

/**
 * The declared JSON types of a schema, over its branches (`['integer', 'null']`). The OpenAPI document writes
 * a null branch as `nullable: true` (and a lone null as `{ type: 'object', nullable: true, enum: [null] }`).
 */
export const typesOf = (s: Schema): string[] =>
  branches(s).flatMap((b) => {
    if (b.enum && b.enum.every((v) => v === null)) return ['null'];
    const types = Array.isArray(b.type) ? b.type : b.type ? [b.type] : [];
    return b.nullable ? [...types, 'null'] : types;
  });

/** Whether a schema node accepts any JSON value or any object/array content (a free-form JSON input). */
export function isFreeForm(s: Schema): boolean {
  return branches(s).some((b) => {
    if (b.type === undefined && !b.enum && !b.anyOf && !b.oneOf && b.const === undefined) return true;
    if (b.type === 'object' && !b.properties && !b.enum) return true;
    if (b.type === 'array' && (!b.items || isFreeForm(b.items))) return true;
    return false;
  });
}

/** Every property of a body schema with its dotted path (`body.personality.tone`), nested objects included. */
export function fieldsOf(schema: Schema | undefined, path = 'body'): { path: string; schema: Schema }[] {
  if (!schema) return [];
  const out: { path: string; schema: Schema }[] = [];
  for (const b of branches(schema)) {
    for (const [name, child] of Object.entries(b.properties ?? {})) {
      const at = `${path}.${name}`;
      out.push({ path: at, schema: child });
      out.push(...fieldsOf(child, at));
    }
  }
  return out;
}

/** Sets `value` at a dotted body path (`body.a.b`) in a fresh object. */
export function bodyWith(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.').slice(1);
  const root: Record<string, unknown> = {};
  let at = root;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) at[key] = value;
    else at = at[key] = {} as Record<string, unknown>;
  });
  return root;
}

/** A concrete URL for a route: every path parameter replaced by `ids[name]` or a fresh unknown UUID. */
export function urlOf(route: Route, ids: Record<string, string> = {}): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(ids[name] ?? '0b5c4a6e-2d8e-4c1a-9d1e-4a8f2b6c9e01'),
  );
}
