/**
 * API-key authentication. Every route needs a key unless its config says `public: true`.
 * The key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>`. `request.caller()` then
 * resolves the tenant (the key's organization, else `X-Organization-Id`, else the user's only one);
 * `request.callerIn(id)` acts in an organization the route names (e.g. `/organizations/:id`).
 *
 * A request whose key is in the principal cache (`app.principals`) needs no query to authenticate; one
 * that is not needs exactly one, which also brings the role the request acts with.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { InvalidInputError, UnauthenticatedError } from '../common/errors.js';
import { isUuid } from '../common/values.js';
import type { Caller, Principal } from '../modules/identity/access.js';
import { AuthService } from '../modules/identity/auth.service.js';
import type { KnownMemberships } from '../modules/identity/principal-cache.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No API key needed. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated principal; set for every non-public route. */
    principal: Principal;
    /** The principal inside its organization (tenant), with its role. Cached per request. */
    caller(): Promise<Caller>;
    /** The principal inside the organization `organizationId`; not a member reads as not found. */
    callerIn(organizationId: string): Promise<Caller>;
  }
}

const callers = new WeakMap<FastifyRequest, Promise<Caller>>();
const learnt = new WeakMap<FastifyRequest, KnownMemberships>();

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth) {
    // exactly `Bearer <key>`: anything after the key (`Bearer <key> junk`) is refused, not ignored
    const bearer = /^bearer +(\S+)$/i.exec(auth.trim());
    if (bearer) return bearer[1];
    throw new UnauthenticatedError('use Authorization: Bearer <API key>');
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header ? header.trim() : undefined;
}

/** X-Organization-Id, when present and well-formed (a malformed one is refused when the caller is asked for). */
function requestedOrganization(request: FastifyRequest): string | undefined {
  const header = request.headers['x-organization-id'];
  return typeof header === 'string' && header ? header : undefined;
}

const authPlugin: FastifyPluginAsync = async (app) => {
  const service = (request: FastifyRequest) =>
    new AuthService(request.em, { cache: app.principals.cache, lastUsed: app.principals.lastUsed });

  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('caller', function (this: FastifyRequest) {
    let pending = callers.get(this);
    if (!pending) {
      const requested = requestedOrganization(this);
      pending =
        requested && !isUuid(requested)
          ? Promise.reject(
              new InvalidInputError('X-Organization-Id must be a UUID', { field: 'X-Organization-Id' }),
            )
          : service(this).resolveCaller(this.principal, requested, learnt.get(this));
      callers.set(this, pending);
    }
    return pending;
  });
  app.decorateRequest('callerIn', function (this: FastifyRequest, organizationId: string) {
    return service(this).resolveCaller(this.principal, organizationId, learnt.get(this));
  });

  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.public) return;
    const key = presentedKey(request);
    if (!key) throw new UnauthenticatedError('an API key is required (Authorization: Bearer <key>)');
    const requested = requestedOrganization(request);
    const { principal, known } = await service(request).authenticate(key, {
      organizationId: requested && isUuid(requested) ? requested : undefined,
    });
    request.principal = principal;
    learnt.set(request, known);
  });
};

export default fp(authPlugin, {
  name: 'oversight-auth',
  fastify: '5.x',
  dependencies: ['oversight-orm', 'oversight-principals'],
});
