/** The inbox's identity pages: sign in, sign out, switch organization. Hidden from the API document. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { DomainError } from '../../common/errors.js';
import { Uuid } from '../../common/schemas.js';
import type { AppConfig } from '../../config.js';
import { clearSessionCookie, issueSignInToken, setSessionCookie } from '../../http/session.plugin.js';
import { SessionService } from './session.service.js';
import { signInMain } from './views/sign-in.js';

const SignInQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) });
const SignInForm = Type.Object(
  {
    _csrf: Type.Optional(Type.String({ description: 'checked by the session plugin' })),
    email: Type.Optional(Type.String({ maxLength: 255 })),
    password: Type.Optional(Type.String({ maxLength: 1000 })),
    next: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const SwitchForm = Type.Object(
  {
    _csrf: Type.Optional(Type.String({ description: 'checked by the session plugin' })),
    organizationId: Uuid,
  },
  { additionalProperties: false },
);

/** Only a path inside the inbox is a place to go back to after signing in (never another site). */
const safeNext = (prefix: string, next: string | undefined) =>
  next && next.startsWith(`${prefix}`) && !next.startsWith('//') && !next.includes('\\') ? next : prefix;

export const identityPages: FastifyPluginAsyncTypebox<{ config: AppConfig; root: string }> = async (
  app,
  { config, root: prefix },
) => {
  const hide = { hide: true };

  app.get(
    '/login',
    { schema: { ...hide, querystring: SignInQuery }, config: { public: true } },
    async (request, reply) => {
      if (request.session) return reply.redirect(safeNext(prefix, request.query.next), 303);
      const csrfToken = issueSignInToken(request, reply, prefix);
      return reply.page({
        title: 'Sign in',
        chrome: null,
        main: signInMain({ csrfToken, next: safeNext(prefix, request.query.next) }),
      });
    },
  );

  app.post(
    '/login',
    { schema: { ...hide, body: SignInForm }, config: { public: true } },
    async (request, reply) => {
      const { email = '', password = '', next } = request.body;
      try {
        const { token, session } = await new SessionService(request.em).signIn(
          { email, password, userAgent: request.headers['user-agent'] ?? '' },
          { address: request.ip, limits: config.signIn },
        );
        setSessionCookie(request, reply, prefix, token, session.expiresAt);
        return reply.redirect(safeNext(prefix, next), 303);
      } catch (error) {
        if (!(error instanceof DomainError) || error.statusCode >= 500) throw error;
        const retryAfter = error.details?.retryAfterSeconds;
        if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
        const csrfToken = issueSignInToken(request, reply, prefix);
        return reply.page(
          {
            title: 'Sign in',
            chrome: null,
            main: signInMain({ csrfToken, next: safeNext(prefix, next), email, error: error.message }),
          },
          error.statusCode,
        );
      }
    },
  );

  app.post('/logout', { schema: { ...hide } }, async (request, reply) => {
    await new SessionService(request.em).signOut(request.session!);
    clearSessionCookie(request, reply, prefix);
    return reply.redirect(`${prefix}/login`, 303);
  });

  app.post('/organization', { schema: { ...hide, body: SwitchForm } }, async (request, reply) => {
    await new SessionService(request.em).switchOrganization(request.session!, request.body.organizationId);
    return reply.redirect(prefix, 303);
  });
};
