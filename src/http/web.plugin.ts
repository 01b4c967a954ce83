/**
 * What the web inbox shares across contexts: cookies and form bodies, the static assets (htmx, its SSE
 * extension, the keyboard script, the stylesheet), `reply.page()` for server-rendered pages, the
 * security headers of every inbox response (its own Content-Security-Policy: scripts and styles from the
 * app only, no inline script, no eval), and HTML error pages mapped from the same error classification as
 * the API's JSON errors. Registered inside the `/inbox` scope only, so the API is untouched.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ForbiddenError, UnauthenticatedError } from '../common/errors.js';
import { loggableError } from '../common/error-mapping.js';
import { toErrorResponse } from './errors.plugin.js';
import { useContentSecurityPolicy, type CspDirectives } from './security-headers.plugin.js';
import { registerCookie } from './external/cookie.js';
import { registerFormbody } from './external/formbody.js';
import type { Html } from './html.js';
import { errorHeading, errorMain } from './views/error.js';
import { layout, type AssetUrls, type PageModel } from './views/layout.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page in the inbox layout and sends it (200 unless told). */
    page(model: PageModel, status?: number): FastifyReply;
    /** Sends an HTML fragment (for htmx swaps). */
    fragment(markup: Html, status?: number): FastifyReply;
  }
}

/**
 * The inbox's Content-Security-Policy: scripts, styles, images and the event stream from the app only,
 * nothing inline, no eval, never framed. The other security headers are the app's (security-headers.plugin.ts).
 */
export const INBOX_CSP_DIRECTIVES: CspDirectives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const files: [string, string, string][] = [
    ['inbox.css', new URL('./assets/inbox.css', import.meta.url).pathname, 'text/css; charset=utf-8'],
    ['inbox.js', new URL('./assets/inbox.js', import.meta.url).pathname, 'text/javascript; charset=utf-8'],
    ['htmx.min.js', require.resolve('htmx.org/dist/htmx.min.js'), 'text/javascript; charset=utf-8'],
    ['sse.min.js', require.resolve('htmx-ext-sse/dist/sse.min.js'), 'text/javascript; charset=utf-8'],
  ];
  return new Map(
    files.map(([name, path, type]) => {
      const body = readFileSync(path);
      return [name, { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }];
    }),
  );
}

/** Whether a state-changing request came from another site (Origin or Referer naming another host). */
export function crossSite(request: FastifyRequest): boolean {
  const source = request.headers.origin ?? request.headers.referer;
  if (!source || source === 'null') return source === 'null';
  try {
    return new URL(source).host !== request.host;
  } catch {
    return true;
  }
}

const webPlugin: FastifyPluginAsync<{ root: string }> = async (app, { root: prefix }) => {
  // before any route of the scope; forms are checked by their Origin, which no-referrer would blank
  useContentSecurityPolicy(app, INBOX_CSP_DIRECTIVES, { referrerPolicy: 'same-origin' });
  await registerCookie(app);
  await registerFormbody(app);

  const assets = loadAssets();
  const url = (name: string) => `${prefix}/assets/${name}?v=${assets.get(name)!.hash}`;
  const urls: AssetUrls = {
    css: url('inbox.css'),
    htmx: url('htmx.min.js'),
    sse: url('sse.min.js'),
    inbox: url('inbox.js'),
  };

  app.decorateReply('page', function (this: FastifyReply, model: PageModel, status = 200) {
    return this.status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(layout(model, urls).toString());
  });
  app.decorateReply('fragment', function (this: FastifyReply, markup: Html, status = 200) {
    return this.status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(markup.toString());
  });

  app.get(
    '/assets/:name',
    { schema: { hide: true }, config: { public: true } },
    async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) return reply.callNotFound();
      return reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(asset.body);
    },
  );

  // A GET form (the queue's filters) sends its empty selects too: an empty value means "not given".
  app.addHook('preValidation', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (!query || typeof query !== 'object') return;
    for (const [key, value] of Object.entries(query)) if (value === '') delete query[key];
  });

  app.addHook('onRequest', async (request) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return;
    if (crossSite(request)) throw new ForbiddenError('this form was sent from another site');
  });

  // The API's classification (src/common/error-mapping.ts plus Fastify's own errors), rendered as a page.
  app.setErrorHandler(async (error, request, reply) => {
    const { statusCode: status, body, headers } = toErrorResponse(error);
    if (headers) void reply.headers(headers);
    if (status >= 500) request.log.error({ err: loggableError(error) }, 'page failed');
    else request.log.info({ status, error: body.error }, body.message);
    if (error instanceof UnauthenticatedError || status === 401) {
      const wantsPage = request.method === 'GET' && !request.headers['hx-request'];
      if (wantsPage && !String(request.headers.accept ?? '').includes('text/event-stream')) {
        return reply.redirect(`${prefix}/login?next=${encodeURIComponent(request.url)}`, 303);
      }
      if (request.headers['hx-request']) void reply.header('hx-redirect', `${prefix}/login`);
    }
    const retryAfter = body.details?.retryAfterSeconds;
    if (status === 429 && typeof retryAfter === 'number')
      void reply.header('retry-after', String(retryAfter));
    if (status === 503) void reply.header('retry-after', '1');
    return reply.page(
      { title: errorHeading(status), main: errorMain(status, body.message), chrome: null },
      status,
    );
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.page(
      {
        title: 'Not found',
        main: errorMain(404, `nothing at ${request.url.split('?')[0]}`),
        chrome: null,
      },
      404,
    ),
  );
};

export default fp(webPlugin, {
  name: 'oversight-web',
  fastify: '5.x',
  dependencies: ['oversight-errors'],
});
