/**
 * Issue 10, item 2: one depth and size policy for every free-form JSON input (src/common/values.ts). Nesting
 * deeper than MAX_JSON_DEPTH is refused before anything recursive sees it (ajv, TypeBox, MikroORM's JSON
 * handling, the driver's and the response's JSON.stringify), with a 400 naming the field; a free-form field
 * longer than MAX_JSON_FIELD_BYTES likewise. The tables walk the OpenAPI document, so a free-form field added
 * later is covered, and must be declared with the shared helpers that carry the policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_JSON_FIELD_BYTES } from '../../src/common/values.js';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { OrganizationService } from '../../src/modules/identity/organization.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, makeUser, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { fieldsOf, isFreeForm, label, routes, urlOf } from '../support/openapi.js';

let t: TestApp;
let owner: Person;
let agent: AgentPrincipal;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
  agent = await agentWithKey(t.em(), owner.organization);
});
afterAll(() => t.close());

/** JSON text of an object nested `depth` levels (built as text: no recursion here either). */
const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
/** The JSON text of a body with `text` (raw JSON) at a dotted body path. */
function rawBody(path: string, text: string): string {
  const keys = path.split('.').slice(1);
  return keys.map((k) => `{${JSON.stringify(k)}:`).join('') + text + '}'.repeat(keys.length);
}

const freeFormFields = () =>
  routes(t.app).flatMap((route) =>
    (route.body && isFreeForm(route.body) ? [{ path: 'body', schema: route.body }] : [])
      .concat(fieldsOf(route.body).filter((f) => isFreeForm(f.schema)))
      .map((f) => ({ route, ...f })),
  );

describe('the free-form JSON inputs of the API', () => {
  it('are all declared with the JSON policy (JsonObject, JsonArray or JsonDocument)', () => {
    const fields = freeFormFields();
    expect(fields.map((f) => `${label(f.route)} ${f.path}`)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/organizations body.settings',
        'PATCH /api/v1/conversations/{id} body.metadata',
        'POST /api/v1/conversations/{id}/messages body.toolResults',
        'POST /api/v1/memories body.metadata',
        'POST /api/v1/requests body.context',
        'POST /api/v1/package-submissions body',
        'POST /api/v1/workflows/{id}/check-results body.results',
      ]),
    );
    const undeclared = fields.filter((f) => !JSON.stringify(f.schema).includes('"x-json"'));
    expect(undeclared.map((f) => `${label(f.route)} ${f.path}`)).toEqual([]);
  });

  it.each([MAX_JSON_DEPTH + 1, 5_000, 100_000])(
    'refuses a value nested %i levels deep in every one of them with a 400 naming the field',
    async (depth) => {
      const failures: string[] = [];
      for (const { route, path } of freeFormFields()) {
        // the field's value is at depth 2 of the body (or is the body): depth + 1 levels in all
        const res = await t.app.inject({
          method: route.method,
          url: urlOf(route),
          headers: { ...owner.headers, 'content-type': 'application/json' },
          payload: path === 'body' ? nested(depth) : rawBody(path, nested(depth)),
        });
        const fields =
          res.statusCode === 400 ? res.json().fields?.map((f: { field: string }) => f.field) : [];
        const expected = path === 'body' ? 'body.a' : path.split('.').slice(0, 2).join('.');
        if (!fields?.includes(expected))
          failures.push(`${label(route)} ${path} -> ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
      expect(failures).toEqual([]);
    },
  );

  it('refuses a free-form field longer than the size budget with a 400 naming it', async () => {
    const long = JSON.stringify({ text: 'x'.repeat(MAX_JSON_FIELD_BYTES) });
    const failures: string[] = [];
    for (const { route, path, schema } of freeFormFields()) {
      if (JSON.stringify(schema).includes('"x-json":"document"')) continue; // bounded by the body limit
      const res = await t.app.inject({
        method: route.method,
        url: urlOf(route),
        headers: { ...owner.headers, 'content-type': 'application/json' },
        payload: rawBody(
          path,
          path.endsWith('toolCalls') || path.endsWith('toolResults') ? `[${long}]` : long,
        ),
      });
      const fields = res.statusCode === 400 ? res.json().fields?.map((f: { field: string }) => f.field) : [];
      if (!fields?.includes(path)) failures.push(`${label(route)} ${path} -> ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('at the limit', () => {
  /** A value nested exactly MAX_JSON_DEPTH levels counted from the body, so the field holds one level less. */
  const deepest = () => JSON.parse(nested(MAX_JSON_DEPTH - 1)) as Record<string, unknown>;

  it('stores and reads back settings, metadata and tool calls nested as deep as allowed', async () => {
    const settings = deepest();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/organizations/${owner.organization.id}`,
      headers: owner.headers,
      payload: { settings },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().settings).toEqual(settings);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organizations/${owner.organization.id}`,
      headers: owner.headers,
    });
    expect(read.json().settings).toEqual(settings);

    const conversation = await t.app.inject({
      method: 'POST',
      url: '/api/v1/conversations',
      headers: owner.headers,
      payload: { agentId: agent.agent.id, metadata: deepest() },
    });
    expect(conversation.statusCode).toBe(201);
    const message = await t.app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${conversation.json().id}/messages`,
      headers: owner.headers,
      payload: { role: 'assistant', content: 'deep', toolCalls: [JSON.parse(nested(MAX_JSON_DEPTH - 2))] },
    });
    expect(message.statusCode).toBe(201);
    expect(message.json().message.toolCalls).toEqual([JSON.parse(nested(MAX_JSON_DEPTH - 2))]);
  });

  it('refuses one level more, and writes nothing', async () => {
    const before = await t.em().count(Conversation, {});
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/conversations',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: `{"agentId":${JSON.stringify(agent.agent.id)},"metadata":${nested(MAX_JSON_DEPTH)}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual([
      { field: 'body.metadata', message: `must not be nested deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
    expect(await t.em().count(Conversation, {})).toBe(before);
  });

  it('holds for callers that are not HTTP requests too (the admin command, seeders, tools)', async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    const user = await makeUser(t.em());
    await expect(
      new OrganizationService(t.em()).createWithOwner(null, user, {
        name: 'Deep',
        slug: 'deep-org',
        settings: deep,
      }),
    ).rejects.toThrow(/settings cannot be stored: it is nested deeper than 512 levels/);
    expect(await t.em().count(Organization, { slug: 'deep-org' })).toBe(0);
  });
});
