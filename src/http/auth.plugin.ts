/**
 * API-key authentication. Every route needs a key unless its config says `public: true`.
 * The key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>`. `request.caller()` then
 * resolves the tenant (the key's organization, else `X-Organization-Id`, else the user's only one).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { InvalidInputError, UnauthenticatedError } from '../common/errors.js';
import { isUuid } from '../common/values.js';
import type { Caller, Principal } from '../modules/identity/access.js';
import { AuthService } from '../modules/identity/auth.service.js';

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
  }
}

const callers = new WeakMap<FastifyRequest, Promise<Caller>>();

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth) {
    const [scheme, value] = auth.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return value.trim();
    throw new UnauthenticatedError('use Authorization: Bearer <API key>');
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header ? header.trim() : undefined;
}

const authPlugin: FastifyPluginAsync = async (app) => {
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('caller', function (this: FastifyRequest) {
    let pending = callers.get(this);
    if (!pending) {
      const header = this.headers['x-organization-id'];
      const requested = typeof header === 'string' && header ? header : undefined;
      pending =
        requested && !isUuid(requested)
          ? Promise.reject(
              new InvalidInputError('X-Organization-Id must be a UUID', { field: 'X-Organization-Id' }),
            )
          : new AuthService(this.em).resolveCaller(this.principal, requested);
      callers.set(this, pending);
    }
    return pending;
  });

  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.public) return;
    const key = presentedKey(request);
    if (!key) throw new UnauthenticatedError('an API key is required (Authorization: Bearer <key>)');
    request.principal = await new AuthService(request.em).authenticate(key);
  });
};

export default fp(authPlugin, { name: 'oversight-auth', fastify: '5.x', dependencies: ['oversight-orm'] });
