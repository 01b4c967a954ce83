/**
 * An organization with one of everything, built through the API as its people and agent would: for tests
 * that hold for every route (another tenant's ids, lists against single reads).
 */
import { expect } from 'vitest';
import { axis } from './agents.factories.js';
import type { TestApp } from './app.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from './factories.js';
import { allowLicenses, lockfiles, submit } from './packages.factories.js';
import { validationBody } from './validations.factories.js';

export interface World {
  owner: Person;
  viewer: Person;
  agent: AgentPrincipal;
  /** The id of one resource of each kind, by the name its routes give it. */
  ids: {
    organization: string;
    membership: string;
    user: string;
    apiKey: string;
    agent: string;
    conversation: string;
    message: string;
    memory: string;
    validation: string;
    submission: string;
    packageRequest: string;
    workflow: string;
    allowlist: string;
    request: string;
  };
  /** A package this organization requested: `name`, `version`, and for a scoped one `scope`. */
  pkg: { name: string; version: string; scope: string; scopedName: string };
}

async function ok<T>(promise: Promise<{ statusCode: number; body: string; json(): T }>): Promise<T> {
  const res = await promise;
  expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(300);
  return res.json();
}

/** `lockfile`: the fixture it submits (v1 requests @types/ms, v2 also @sindresorhus/is, its `pkg`). */
export async function buildWorld(
  t: TestApp,
  { lockfile = 'v1' }: { lockfile?: 'v1' | 'v2' } = {},
): Promise<World> {
  const owner = await person(t.em(), 'owner');
  const viewer = await person(t.em(), 'viewer', owner.organization);
  const agent = await agentWithKey(t.em(), owner.organization);
  const as =
    (p: { headers: Record<string, string> }) =>
    <T>(method: string, url: string, payload?: unknown): Promise<T> =>
      ok<T>(t.app.inject({ method: method as 'GET', url, headers: p.headers, payload: payload as object }));
  const O = as(owner);
  const A = as(agent);

  await O('PUT', `/api/v1/organizations/${owner.organization.id}/webhook-secret`, {
    secret: 'a-webhook-secret-of-the-world',
  });
  const members = (await O<unknown>(
    'GET',
    `/api/v1/organizations/${owner.organization.id}/members`,
  )) as unknown as {
    id: string;
    userId: string;
  }[];
  const membership = members.find((m) => m.userId === viewer.user.id)!.id;
  const apiKey = ((await O('POST', '/api/v1/api-keys', { name: 'world' })) as { apiKey: { id: string } })
    .apiKey.id;
  const conversation = (await O<unknown>('POST', '/api/v1/conversations', {
    agentId: agent.agent.id,
    title: 'world',
    metadata: { topic: 'world' },
  })) as { id: string };
  const posted = (await O<unknown>('POST', `/api/v1/conversations/${conversation.id}/messages`, {
    role: 'user',
    content: 'hello world',
    toolCalls: [{ name: 'lookup' }],
  })) as { message: { id: string } };
  const memory = (await O<unknown>('POST', '/api/v1/memories', {
    memoryType: 'semantic',
    content: 'the world is round',
    embedding: axis(7),
    tags: ['world', 'shape'],
    agentId: agent.agent.id,
    metadata: { source: 'world' },
  })) as { id: string };
  await O('POST', '/api/v1/memories', {
    memoryType: 'semantic',
    content: 'near',
    embedding: axis(7),
    tags: ['b'],
  });
  const validation = (await A(
    'POST',
    '/api/v1/validations',
    validationBody({ agentId: agent.agent.slug }),
  )) as {
    id: string;
  };
  await allowLicenses(t.em(), owner.organization, ['MIT']);
  const submission = await ok<{ id: string }>(submit(t, owner.headers, lockfiles[lockfile]()));
  const requests = (await O<unknown>('GET', `/api/v1/package-submissions/${submission.id}/requests`)) as {
    items: { id: string; packageName: string; packageVersion: string; workflow: { id: string } }[];
  };
  const wanted = lockfile === 'v1' ? '@types/ms' : '@sindresorhus/is';
  const scoped = requests.items.find((r) => r.packageName === wanted)!;
  const allowlist = (await O<unknown>('POST', '/api/v1/license-allowlist', {
    licenseIdentifier: 'Apache-2.0',
    licenseName: 'Apache License 2.0',
  })) as { id: string };
  const request = (await A<unknown>('POST', '/api/v1/requests', {
    question: 'Ship it?',
    options: ['yes', 'no'],
    context: { world: true },
  })) as { id: string };
  const [scope, name] = scoped.packageName.split('/') as [string, string];
  return {
    owner,
    viewer,
    agent,
    ids: {
      organization: owner.organization.id,
      membership,
      user: viewer.user.id,
      apiKey,
      agent: agent.agent.id,
      conversation: conversation.id,
      message: posted.message.id,
      memory: memory.id,
      validation: validation.id,
      submission: submission.id,
      packageRequest: scoped.id,
      workflow: scoped.workflow.id,
      allowlist: allowlist.id,
      request: request.id,
    },
    pkg: { name, version: scoped.packageVersion, scope, scopedName: scoped.packageName },
  };
}
