/**
 * Security headers on every response of the app (routes, 404s, errors, /docs, every surface), with
 * @fastify/helmet registered globally:
 *
 * - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`,
 *   `Cross-Origin-Opener-Policy` / `-Resource-Policy: same-origin`, no `X-Powered-By`;
 * - `Content-Security-Policy`: the API answers JSON, so nothing may load and nothing may frame it
 *   (`API_CSP`). A scope that serves pages sets its own policy for all its routes with
 *   `useContentSecurityPolicy(scope, directives)` (the web inbox under /inbox, say); /docs uses the
 *   policy of @fastify/swagger-ui, which lists the hashes of its inline scripts (see src/app.ts);
 * - `Strict-Transport-Security` when the request came over HTTPS as Fastify sees it (`request.protocol`):
 *   a TLS socket, or `X-Forwarded-Proto: https` from a proxy that TRUST_PROXY trusts. Over plain HTTP it is
 *   meaningless (browsers ignore it) and would pin a development host to HTTPS;
 * - `Cache-Control: no-store` on every response, so no cache keeps a key (login, key minting, an agent's key)
 *   or any tenant's data; a route with public, cacheable content may set its own (the static files of
 *   /docs do).
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `useContentSecurityPolicy`; read by @fastify/helmet. */
    helmet?: Record<string, unknown>;
  }
}

/** Directives of a Content-Security-Policy, as @fastify/helmet takes them (`{ 'default-src': ["'none'"] }`). */
export type CspDirectives = Record<string, string[]>;

/** The API's policy: JSON only, so nothing loads, nothing runs, nothing frames it. */
export const API_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

export const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Gives every route registered in `scope` (and its children) its own Content-Security-Policy instead of
 * `API_CSP`; the other headers stay. Call it first thing in the scope's plugin, before its routes:
 *
 *   app.register(async (inbox) => {
 *     useContentSecurityPolicy(inbox, { 'default-src': ["'self'"], 'script-src': ["'self'"], ... });
 *     inbox.get('/', ...);
 *   }, { prefix: '/inbox' });
 */
export function useContentSecurityPolicy(
  scope: FastifyInstance,
  directives: CspDirectives,
  options: {
    /**
     * The scope's Referrer-Policy instead of `no-referrer`: pages whose forms are checked by their Origin
     * need `same-origin`, since under `no-referrer` a browser sends `Origin: null` with every POST.
     */
    referrerPolicy?: 'same-origin' | 'no-referrer';
  } = {},
): void {
  scope.addHook('onRoute', (route) => {
    route.config = {
      ...route.config,
      helmet: {
        contentSecurityPolicy: { useDefaults: false, directives },
        ...(options.referrerPolicy ? { referrerPolicy: { policy: options.referrerPolicy } } : {}),
      },
    };
  });
}

const securityHeadersPlugin: FastifyPluginAsync = async (app) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    strictTransportSecurity: false, // below: only over HTTPS
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') void reply.header('strict-transport-security', HSTS);
    void reply.header('cache-control', 'no-store');
  });
};

export default fp(securityHeadersPlugin, { name: 'oversight-security-headers', fastify: '5.x' });
