/** The header every signed-in page shows, built from the services (organizations, pending count, history). */
import type { FastifyRequest } from 'fastify';
import { OrganizationService } from '../modules/identity/organization.service.js';
import { QueueService } from '../modules/inbox/queue.service.js';
import { csrfTokenFor } from './session.plugin.js';
import type { Chrome } from './views/layout.js';

/** `pendingCount` when the page has just counted (the queue page), so it is not counted twice. */
export async function chromeFor(
  request: FastifyRequest,
  known: { pendingCount?: number } = {},
): Promise<Chrome> {
  const session = request.session!;
  const caller = await request.caller();
  const queue = new QueueService(request.em);
  const organizations = await new OrganizationService(request.em).listMine(session.principal);
  const pendingCount = known.pendingCount ?? (await queue.pendingCounts(caller)).total;
  return {
    csrfToken: csrfTokenFor(request.sessionToken!),
    person: { name: session.person.displayName ?? session.person.email, email: session.person.email },
    role: session.role,
    organizations: organizations.map((o) => ({
      id: o.organization.id,
      name: o.organization.name,
      current: o.organization.id === session.organizationId,
    })),
    canSeeHistory: queue.mayReadHistory(caller),
    pendingCount,
  };
}
