/**
 * Issue 10, item 1: another organization's id answers exactly like an id that does not exist (same status,
 * same message, same shape), on every route of the OpenAPI document, for every kind of caller, wherever the id
 * travels: in the path, in the body, in the query string, in X-Organization-Id. A route added later without a
 * row in these tables fails the test, so it gets one.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { axis } from '../support/agents.factories.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeUser, mintKey } from '../support/factories.js';
import { branches, fieldsOf, label, routes, type Route } from '../support/openapi.js';
import { lockfiles } from '../support/packages.factories.js';
import { validationBody } from '../support/validations.factories.js';
import { buildWorld, type World } from '../support/world.js';

let t: TestApp;
let a: World; // the caller's organization
let b: World; // another tenant's
/** People in no organization yet, one per request that adds a member (each may be added once). */
const outsiders: string[] = [];
beforeAll(async () => {
  t = await createTestApp();
  a = await buildWorld(t);
  b = await buildWorld(t, { lockfile: 'v2' });
  for (let i = 0; i < 40; i++) outsiders.push((await makeUser(t.em())).email);
});
afterAll(() => t.close());

type Kind = keyof World['ids'];
/** The kind of resource a path names, by its first segment. */
const KIND_OF_SEGMENT: Record<string, Kind | 'package'> = {
  organizations: 'organization',
  memberships: 'membership',
  users: 'user',
  'api-keys': 'apiKey',
  agents: 'agent',
  conversations: 'conversation',
  messages: 'message',
  memories: 'memory',
  validations: 'validation',
  'package-submissions': 'submission',
  workflows: 'workflow',
  'license-allowlist': 'allowlist',
  requests: 'request',
  packages: 'package',
};
/** The kind of resource a uuid field of a body or query string refers to, by its name. */
const KIND_OF_FIELD: Record<string, Kind> = {
  agentId: 'agent',
  userId: 'user',
  assigneeId: 'user',
  registeredAgentId: 'agent',
  sourceConversationId: 'conversation',
  sourceMessageIds: 'message',
  supersededBy: 'memory',
  contradicts: 'memory',
  relatedTo: 'memory',
  requestIds: 'packageRequest',
};
/**
 * Where a foreign id may be told apart on purpose: accounts are not tenant-owned, and adding an existing
 * account by id (or email) says whether it exists (README, "Adding a member").
 */
const BY_DESIGN = new Set(['POST /api/v1/organizations/{id}/members body.userId']);

/** A valid body per write route, so the answer is about the id and not about the body. */
function bodyFor(route: Route): unknown {
  const bodies: Record<string, unknown> = {
    'PATCH /api/v1/organizations/{id}': { name: 'Renamed' },
    'POST /api/v1/organizations/{id}/members': { email: outsiders.pop(), role: 'member' },
    'PATCH /api/v1/memberships/{id}': { role: 'member' },
    'PATCH /api/v1/users/{id}': { displayName: 'Renamed' },
    'POST /api/v1/agents/{id}/api-keys': { name: 'probe' },
    'PATCH /api/v1/agents/{id}': { tagline: 'probed' },
    'PATCH /api/v1/conversations/{id}': { title: 'probed' },
    'POST /api/v1/conversations/{id}/messages': { role: 'user', content: 'probe' },
    'PUT /api/v1/messages/{id}/feedback': { rating: 'positive' },
    'PATCH /api/v1/memories/{id}': { importance: 3 },
    'POST /api/v1/package-submissions/{id}/license-check': {},
    'POST /api/v1/workflows/{id}/check-results': { checkType: 'TRIVY', status: 'pass', results: {} },
    'POST /api/v1/workflows/{id}/decision': { decision: 'approve', reason: 'probe' },
    'PATCH /api/v1/license-allowlist/{id}': { licenseName: 'Probe' },
    'POST /api/v1/requests/{id}/respond': { choice: 'yes' },
    'POST /api/v1/validations/{id}/review': { decision: 'approve', comment: 'probe' },
    'PUT /api/v1/organizations/{id}/webhook-secret': { secret: 'a-probe-secret-of-20' },
    'POST /api/v1/conversations': { agentId: a.ids.agent, title: 'probe' },
    'POST /api/v1/memories': { memoryType: 'semantic', content: 'probe' },
    'POST /api/v1/memories/search': { embedding: axis(7) },
    'POST /api/v1/requests': { question: 'Probe?', options: ['yes', 'no'] },
    'POST /api/v1/organizations': { name: 'Probe', slug: `probe-${randomUUID().slice(0, 8)}` },
    'POST /api/v1/users': { email: `probe-${randomUUID().slice(0, 8)}@example.test`, role: 'member' },
    'POST /api/v1/api-keys': { name: 'probe' },
    'POST /api/v1/agents': { name: 'Probe', slug: `probe-${randomUUID().slice(0, 8)}` },
    'POST /api/v1/validations': validationBody(),
    'POST /api/v1/package-submissions': lockfiles.v1(),
    'POST /api/v1/license-allowlist': {
      licenseIdentifier: `LicenseRef-${randomUUID().slice(0, 8)}`,
      licenseName: 'Probe',
    },
  };
  if (!route.body) return undefined;
  const body = bodies[label(route)];
  if (body === undefined) throw new Error(`add a valid body for ${label(route)} to this test`);
  return body;
}

/** Path parameters naming the resource of `world` (or unknown ones). */
function pathIds(route: Route, world: World | null): Record<string, string> {
  const kind = KIND_OF_SEGMENT[route.path.split('/')[3]!];
  if (!kind) throw new Error(`add the kind of resource ${route.path} names to this test`);
  if (kind === 'package') {
    return world
      ? {
          scope: world.pkg.scope,
          name: route.path.includes('{scope}') ? world.pkg.name : world.pkg.scopedName,
          version: world.pkg.version,
        }
      : { scope: '@nobody', name: 'no-such-package', version: '9.9.9' };
  }
  return { id: world ? world.ids[kind] : randomUUID() };
}

const urlWith = (route: Route, ids: Record<string, string>) =>
  route.path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(ids[n]!));

/** The answer with every id and package name of the probe replaced, so two answers can be compared. */
function normalized(res: { statusCode: number; body: string }, replace: string[]) {
  let body = res.body;
  for (const value of replace.filter(Boolean).sort((x, y) => y.length - x.length)) {
    body = body.split(value).join('<id>').split(encodeURIComponent(value)).join('<id>');
  }
  return { status: res.statusCode, body: res.statusCode < 300 ? '<2xx>' : body };
}

const callers = () =>
  [
    ['owner', a.owner.headers],
    ['viewer', a.viewer.headers],
    ['agent', a.agent.headers],
  ] as const;

interface Probe {
  url: string;
  body?: () => unknown;
  /** Values to blank out before comparing (the ids and names the probe used). */
  replace: string[];
  /** Headers of this side only (X-Organization-Id). */
  headers?: Record<string, string>;
}

async function compare(
  what: string,
  headers: Record<string, string>,
  method: Route['method'],
  foreign: Probe,
  unknown: Probe,
  mismatches: string[],
) {
  const send = (r: Probe) =>
    t.app.inject({
      method,
      url: r.url,
      headers: { ...headers, ...r.headers },
      payload: r.body?.() as object | undefined,
    });
  const one = normalized(await send(foreign), foreign.replace);
  const other = normalized(await send(unknown), unknown.replace);
  if (one.status !== other.status || one.body !== other.body) {
    mismatches.push(
      `${what}: foreign ${one.status} ${one.body.slice(0, 160)} | unknown ${other.status} ${other.body.slice(0, 160)}`,
    );
  }
}

describe('another organization’s id', () => {
  let auditsOfB: number;
  beforeAll(async () => {
    auditsOfB = await t.em().count(AuditLog, { organizationId: b.ids.organization });
  });

  it('in the path answers like an unknown id on every route, for an owner, a viewer and an agent', async () => {
    const mismatches: string[] = [];
    let probes = 0;
    for (const route of routes(t.app).filter((r) => /\{\w+\}/.test(r.path))) {
      for (const [who, headers] of callers()) {
        const foreignIds = pathIds(route, b);
        const unknownIds = pathIds(route, null);
        probes++;
        await compare(
          `${who} ${label(route)}`,
          headers,
          route.method,
          { url: urlWith(route, foreignIds), body: () => bodyFor(route), replace: Object.values(foreignIds) },
          { url: urlWith(route, unknownIds), body: () => bodyFor(route), replace: Object.values(unknownIds) },
          mismatches,
        );
      }
    }
    expect(probes).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  });

  it('in a body or a query string answers like an unknown id, on every route that takes one', async () => {
    const mismatches: string[] = [];
    let probes = 0;
    for (const route of routes(t.app)) {
      const ids = /\{\w+\}/.test(route.path) ? pathIds(route, a) : {};
      const url = urlWith(route, ids);
      const uuidFields = fieldsOf(route.body).filter(({ schema }) =>
        branches(schema).some((s) => s.format === 'uuid' || s.items?.format === 'uuid'),
      );
      for (const { path, schema } of uuidFields) {
        if (BY_DESIGN.has(`${label(route)} ${path}`)) continue;
        const name = path.split('.').at(-1)!;
        const kind = KIND_OF_FIELD[name];
        if (!kind) throw new Error(`add the kind of resource ${label(route)} ${path} refers to`);
        const asArray = branches(schema).some((s) => s.type === 'array');
        const withId = (id: string) => ({ ...(bodyFor(route) as object), [name]: asArray ? [id] : id });
        const unknownId = randomUUID();
        for (const [who, headers] of callers()) {
          probes++;
          await compare(
            `${who} ${label(route)} ${path}`,
            headers,
            route.method,
            { url, body: () => withId(b.ids[kind]), replace: [b.ids[kind]] },
            { url, body: () => withId(unknownId), replace: [unknownId] },
            mismatches,
          );
        }
      }
      for (const param of route.parameters.filter((p) => p.in === 'query' && p.schema?.format === 'uuid')) {
        const kind = KIND_OF_FIELD[param.name];
        if (!kind) throw new Error(`add the kind of resource ${label(route)} ?${param.name} refers to`);
        const unknownId = randomUUID();
        for (const [who, headers] of callers()) {
          probes++;
          await compare(
            `${who} ${label(route)} ?${param.name}`,
            headers,
            route.method,
            {
              url: `${url}?${param.name}=${b.ids[kind]}`,
              body: () => bodyFor(route),
              replace: [b.ids[kind]],
            },
            { url: `${url}?${param.name}=${unknownId}`, body: () => bodyFor(route), replace: [unknownId] },
            mismatches,
          );
        }
      }
    }
    expect(probes).toBeGreaterThan(30);
    expect(mismatches).toEqual([]);
  });

  it('in X-Organization-Id answers like an unknown organization on every route, for a personal key', async () => {
    const personal = { authorization: `Bearer ${await mintKey(t.em(), a.owner.user, null)}` };
    const mismatches: string[] = [];
    for (const route of routes(t.app).filter(
      (r) => !r.path.endsWith('/auth/login') && r.path !== '/health',
    )) {
      const ids = /\{\w+\}/.test(route.path) ? pathIds(route, a) : {};
      const url = urlWith(route, ids);
      const unknownId = randomUUID();
      await compare(
        `X-Organization-Id ${label(route)}`,
        personal,
        route.method,
        {
          url,
          body: () => bodyFor(route),
          replace: [b.ids.organization],
          headers: { 'x-organization-id': b.ids.organization },
        },
        {
          url,
          body: () => bodyFor(route),
          replace: [unknownId],
          headers: { 'x-organization-id': unknownId },
        },
        mismatches,
      );
    }
    expect(mismatches).toEqual([]);
  });

  it('changed nothing of the other organization', async () => {
    expect(await t.em().count(AuditLog, { organizationId: b.ids.organization })).toBe(auditsOfB);
  });
});
