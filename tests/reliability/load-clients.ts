/**
 * The load of tests/reliability/load.test.ts: `clients` concurrent loops over a mix of reads and writes,
 * recording every status, every acknowledged write and each route's latency. It runs in a worker thread
 * (load-worker.ts), so the clients' HTTP parsing does not share the app's event loop and the figures are
 * the app's, as when clients are other machines.
 */
import { randomBytes } from 'node:crypto';
import { call, runClients } from './client.js';

/** The mix: a request's route is the first whose `upTo` exceeds a pseudo-random 0..99. */
export const ROUTES = [
  { name: 'GET /me', upTo: 28 },
  { name: 'GET /users', upTo: 38 },
  { name: 'GET /organizations/:id', upTo: 46 },
  { name: 'GET /agents/:id', upTo: 58 },
  { name: 'GET /agents', upTo: 63 },
  { name: 'POST /api-keys', upTo: 73 },
  { name: 'PATCH /organizations/:id', upTo: 83 },
  { name: 'POST /conversations/:id/messages', upTo: 95 },
  { name: 'POST /users', upTo: 100 },
] as const;

/** One tenant the clients act in: its owner's key, its agent and an open conversation. */
export interface LoadTenant {
  organizationId: string;
  headers: Record<string, string>;
  agentId: string;
  conversationId: string;
}

export interface LoadPlan {
  base: string;
  tenants: LoadTenant[];
  clients: number;
  durationMs: number;
}

/** What one run saw. Plain data: it crosses the worker boundary. */
export interface LoadResult {
  requests: number;
  elapsedSeconds: number;
  statuses: [number, number][];
  fiveXX: string[];
  acknowledged: { apiKeys: string[]; users: string[]; messages: string[]; patches: [string, number][] };
  /** Organization -> every name a PATCH was acknowledged with. */
  names: [string, string[]][];
  latency: [string, number[]][];
}

const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const { base, tenants } = plan;
  const statuses = new Map<number, number>();
  const fiveXX: string[] = [];
  const ack = { apiKeys: [] as string[], users: [] as string[], messages: [] as string[] };
  const patches = new Map<string, number>();
  const names = new Map<string, Set<string>>();
  const latency = new Map<string, number[]>();
  let requests = 0;

  const step = async (client: number, iteration: number) => {
    const tenant = tenants[client % tenants.length]!;
    const { organizationId: org, headers: h } = tenant;
    const dice = (client * 7919 + iteration * 104729) % 100;
    const route = ROUTES.find((r) => dice < r.upTo)!.name;
    let reply;
    const t = performance.now();
    switch (route) {
      case 'GET /me':
        reply = await call(base, 'GET', '/api/v1/me', h);
        break;
      case 'GET /users':
        reply = await call(base, 'GET', '/api/v1/users', h);
        break;
      case 'GET /organizations/:id':
        reply = await call(base, 'GET', `/api/v1/organizations/${org}`, h);
        break;
      case 'GET /agents/:id':
        reply = await call(base, 'GET', `/api/v1/agents/${tenant.agentId}`, h);
        break;
      case 'GET /agents':
        reply = await call(base, 'GET', '/api/v1/agents', h);
        break;
      case 'POST /api-keys':
        reply = await call(base, 'POST', '/api/v1/api-keys', h, { name: unique('load') });
        if (reply.status === 201) ack.apiKeys.push((reply.body as { apiKey: { id: string } }).apiKey.id);
        break;
      case 'PATCH /organizations/:id': {
        const name = `Org ${client}.${iteration}`;
        reply = await call(base, 'PATCH', `/api/v1/organizations/${org}`, h, { name });
        if (reply.status === 200) {
          patches.set(org, (patches.get(org) ?? 0) + 1);
          if (!names.has(org)) names.set(org, new Set());
          names.get(org)!.add(name);
        }
        break;
      }
      case 'POST /conversations/:id/messages':
        reply = await call(base, 'POST', `/api/v1/conversations/${tenant.conversationId}/messages`, h, {
          role: 'user',
          content: `load ${client}.${iteration}`,
          tokenCount: 3,
        });
        if (reply.status === 201) ack.messages.push((reply.body as { message: { id: string } }).message.id);
        break;
      default:
        reply = await call(base, 'POST', '/api/v1/users', h, {
          email: `${unique('load')}@example.test`,
          displayName: 'Load',
        });
        if (reply.status === 201) ack.users.push((reply.body as { userId: string }).userId);
    }
    requests++;
    const lat = latency.get(route) ?? [];
    lat.push(performance.now() - t);
    latency.set(route, lat);
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    if (reply.status >= 500 || reply.status === 0) fiveXX.push(`${reply.status} ${reply.text.slice(0, 200)}`);
  };

  const started = performance.now();
  await runClients(plan.clients, plan.durationMs, step);
  return {
    requests,
    elapsedSeconds: (performance.now() - started) / 1000,
    statuses: [...statuses],
    fiveXX,
    acknowledged: { ...ack, patches: [...patches] },
    names: [...names].map(([org, set]) => [org, [...set]]),
    latency: [...latency],
  };
}
