/**
 * The MCP endpoint (Streamable HTTP, official SDK), registered by `src/app.ts` in the `/mcp` scope after
 * `authPlugin`, so every call runs as the API key's principal with the same services as the REST API.
 *
 * Stateless: each POST carries one JSON-RPC message, is authenticated on its own and gets its own SDK server
 * and transport, closed when the response ends. No session lives in memory, so instances need no affinity
 * and a waiting `ask_human` is tied only to its own response stream (SSE): when the client goes away, the
 * call's signal aborts and its waiter is dropped. GET and DELETE (a session's stream and end) answer 405.
 *
 * Before anything else the Host and Origin headers are checked against `MCP_ALLOWED_HOSTS` (DNS rebinding
 * protection, 403). Errors before a JSON-RPC exchange starts (no key, a revoked key, a bad Host, a body that
 * is not JSON) answer with their HTTP status and a JSON-RPC error body.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../config.js';
import { ForbiddenError } from '../common/errors.js';
import { loggableError } from '../common/error-mapping.js';
import { toErrorResponse } from './errors.plugin.js';
import { buildMcpServer } from './mcp-server.js';
import type { McpContribution } from './mcp-tools.js';
import { WorkItemWatch, type NotificationSource } from './work-item-watch.js';

export interface McpPluginOptions {
  config: AppConfig;
  contributions: McpContribution[];
  notifications: NotificationSource;
}

const hostnameOf = (hostAndPort: string): string | null => {
  try {
    return new URL(`http://${hostAndPort}`).hostname.toLowerCase();
  } catch {
    return null;
  }
};

/** DNS rebinding protection: a page on another name must not reach this endpoint through a browser. */
function checkHost(request: FastifyRequest, allowed: readonly string[]): void {
  const host = request.headers.host ?? '';
  if (!allowed.includes(hostnameOf(host) ?? '')) {
    throw new ForbiddenError(`Host '${host}' is not served here (MCP_ALLOWED_HOSTS)`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let name: string | null = null;
    try {
      name = new URL(origin).hostname.toLowerCase();
    } catch {
      name = null;
    }
    if (!name || !allowed.includes(name)) {
      throw new ForbiddenError(`Origin '${origin}' is not allowed (MCP_ALLOWED_HOSTS)`);
    }
  }
}

function sendRpcError(reply: FastifyReply, status: number, code: number, message: string) {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="oversight"');
  if (status === 503) void reply.header('retry-after', '1');
  return reply.status(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

const mcpPlugin: FastifyPluginAsync<McpPluginOptions> = async (
  app,
  { config, contributions, notifications },
) => {
  const names = contributions.flatMap((c) => c.tools ?? []).map((t) => t.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length > 0) throw new Error(`MCP tools registered twice: ${twice.join(', ')}`);

  const watch = new WorkItemWatch(notifications, app.log);
  app.addHook('onClose', async () => watch.close());
  const registry = { contributions, config, watch };

  app.addHook('onRequest', async (request) => checkHost(request, config.mcp.allowedHosts));

  // The body stays text until the handler parses it: arguments are the tools' to judge (a NUL character in
  // one is a tool error naming the field, not an HTTP 400 before the JSON-RPC exchange starts).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((error, request, reply) => {
    const { statusCode: status, body } = toErrorResponse(error);
    if (status >= 500) request.log.error({ err: loggableError(error) }, 'MCP request failed');
    else request.log.info({ status, error: body.error }, body.message);
    const code = status === 400 ? ErrorCode.InvalidRequest : status >= 500 ? ErrorCode.InternalError : -32001;
    return sendRpcError(reply, status, code, body.message);
  });

  app.post('/', { schema: { hide: true } }, async (request, reply) => {
    let message: unknown;
    try {
      message = JSON.parse(typeof request.body === 'string' ? request.body : '');
    } catch {
      return sendRpcError(reply, 400, ErrorCode.ParseError, 'the body is not JSON');
    }
    const server = buildMcpServer(request, registry);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    reply.hijack();
    try {
      await transport.handleRequest(request.raw, reply.raw, message);
    } catch (error) {
      request.log.error({ err: loggableError(error) }, 'MCP transport failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: ErrorCode.InternalError, message: 'internal server error' },
            id: null,
          }),
        );
      }
    }
  });

  const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('allow', 'POST');
    return sendRpcError(
      reply,
      405,
      -32000,
      'this endpoint is stateless: send each JSON-RPC message as a POST (no session stream to open or end)',
    );
  };
  app.get('/', { schema: { hide: true } }, notAllowed);
  app.delete('/', { schema: { hide: true } }, notAllowed);
};

export default fp(mcpPlugin, {
  name: 'oversight-mcp',
  fastify: '5.x',
  dependencies: ['oversight-auth', 'oversight-orm'],
});
