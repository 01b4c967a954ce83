/**
 * The inbox's own authentication hook (the `/inbox` scope's counterpart of `auth.plugin.ts`): the session
 * cookie gives `request.session`, and from it the same `request.principal` and `request.caller()` the API
 * has, so pages reach the services exactly as routes do. One query per request resolves the session.
 *
 * CSRF: every state-changing request carries a token, in the `_csrf` form field or the `X-CSRF-Token`
 * header. Signed in, it is an HMAC of the session token (so it needs no storage and dies with the session);
 * on the sign-in form (no session yet) it is a random value also set in a short-lived cookie (double
 * submit). Cookies are HttpOnly, SameSite=Lax, Path=/inbox, and Secure when the request came over HTTPS.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthenticatedError } from '../common/errors.js';
import type { Caller, Principal } from '../modules/identity/access.js';
import { SessionService, type ActiveSession } from '../modules/identity/session.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person's session, or null (only on public inbox routes). */
    session: ActiveSession | null;
    /** The raw session token from the cookie (for the CSRF token and the live stream). */
    sessionToken: string | null;
  }
}

export const SESSION_COOKIE = 'oversight_session';
export const SIGN_IN_COOKIE = 'oversight_sign_in';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The CSRF token of a session: derived from its token, never stored. */
export const csrfTokenFor = (sessionToken: string): string =>
  createHmac('sha256', sessionToken).update('oversight-inbox-csrf').digest('base64url');

const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const cookieOptions = (request: FastifyRequest, prefix: string) => ({
  path: prefix,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: request.protocol === 'https',
});

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  prefix: string,
  token: string,
  expiresAt: Date,
): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    ...cookieOptions(request, prefix),
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, prefix: string): void {
  void reply.clearCookie(SESSION_COOKIE, cookieOptions(request, prefix));
}

/** A fresh double-submit token for the sign-in form, set in its cookie; returned for the hidden field. */
export function issueSignInToken(request: FastifyRequest, reply: FastifyReply, prefix: string): string {
  const token = randomBytes(24).toString('base64url');
  void reply.setCookie(SIGN_IN_COOKIE, token, { ...cookieOptions(request, prefix), maxAge: 3600 });
  return token;
}

function presentedCsrf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string' && header) return header;
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?._csrf === 'string' ? body._csrf : undefined;
}

const sessionPlugin: FastifyPluginAsync = async (app) => {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('caller', function (this: FastifyRequest): Promise<Caller> {
    if (!this.session) return Promise.reject(new UnauthenticatedError('sign in first'));
    try {
      return Promise.resolve(new SessionService(this.em).callerOf(this.session));
    } catch (error) {
      return Promise.reject(error);
    }
  });

  app.addHook('preHandler', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      request.session = await new SessionService(request.em).resolve(token);
      if (request.session) {
        request.sessionToken = token;
        request.principal = request.session.principal;
      }
    }
    const isPublic = request.routeOptions.config.public === true;
    if (!request.session && !isPublic) throw new UnauthenticatedError('sign in to use the inbox');

    if (!UNSAFE.has(request.method)) return;
    const presented = presentedCsrf(request);
    const expected = [
      request.sessionToken ? csrfTokenFor(request.sessionToken) : undefined,
      isPublic ? request.cookies[SIGN_IN_COOKIE] : undefined,
    ].filter((t): t is string => !!t);
    if (!presented || !expected.some((t) => sameToken(presented, t))) {
      throw new ForbiddenError(
        'this form has expired or did not come from this inbox: reload the page and try again',
      );
    }
  });
};

export default fp(sessionPlugin, {
  name: 'oversight-web-session',
  fastify: '5.x',
  dependencies: ['oversight-orm', 'oversight-web'],
});
