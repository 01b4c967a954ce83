/**
 * One MCP server per HTTP request (the endpoint is stateless): the tool and resource handlers, input
 * validation against each tool's TypeBox schema, and the mapping of thrown errors to tool errors.
 *
 * A tool error (`isError: true`) is an answer the model can act on: the message of the domain error, the
 * failing fields, whether to retry. A rejected call writes nothing: input is checked before the service runs,
 * and the service writes one unit of work that fails whole. Protocol errors are kept for what is not a tool
 * call's fault (an unknown tool name, an unknown resource).
 */
import type { EntityManager } from '@mikro-orm/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { AppConfig } from '../config.js';
import { loggableError, mapError } from '../common/error-mapping.js';
import { nulCharacterPaths } from '../common/values.js';
import type { Audience, McpContribution, McpTool, ToolContext } from './mcp-tools.js';
import type { WorkItemWatch } from './work-item-watch.js';

export const SERVER_INFO = { name: 'oversight', title: 'Oversight', version: '0.1.0' };

const INSTRUCTIONS =
  'Oversight keeps people in charge of what you do. Before an action that is risky, irreversible or outside ' +
  'your boundaries, call request_validation; when its decision is needs_review, or whenever you need a ' +
  "person's judgement, call ask_human and act on the answer (if it comes back still pending, call " +
  'get_answer later with its requestId). remember, recall and forget are your own long-term memory. ' +
  'check_packages tells whether the packages of a package-lock.json are approved. Your profile and recent ' +
  'conversations are resources.';

/** A JSON copy of a TypeBox schema: plain JSON Schema, without TypeBox's hidden markers. */
const jsonSchema = (schema: TSchema): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

/**
 * A tool's input schema as clients see it: an argument with a default is optional (the default is filled in
 * before validation), so a model is not told it must send it.
 */
function inputSchema(schema: TSchema): { type: 'object' } {
  const json = jsonSchema(schema) as {
    type: 'object';
    required?: string[];
    properties?: Record<string, object>;
  };
  if (json.required) {
    json.required = json.required.filter(
      (name) => !(json.properties?.[name] && 'default' in json.properties[name]),
    );
    if (json.required.length === 0) delete json.required;
  }
  return json;
}

interface FieldProblem {
  field: string;
  message: string;
}

/** Every failing field of `value` against `schema`, named by its path (`options.2`, `question`). */
function inputProblems(schema: TSchema, value: unknown): FieldProblem[] {
  const problems: FieldProblem[] = nulCharacterPaths(value, 'arguments').map((path) => ({
    field: path.replace(/^arguments\.?/, '') || '(arguments)',
    message: 'must not contain a NUL character',
  }));
  if (problems.length > 0) return problems;
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'boolean') continue; // the same extra property, reported once below
    const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const params = error.params as { requiredProperties?: string[]; additionalProperties?: string[] };
    const named = params.requiredProperties ?? params.additionalProperties;
    if (named?.length) {
      const message = error.keyword === 'required' ? 'is required' : 'is not a known argument';
      for (const name of named) problems.push({ field: path ? `${path}.${name}` : name, message });
    } else {
      problems.push({ field: path || '(arguments)', message: error.message });
    }
    if (problems.length >= 20) break;
  }
  return problems;
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** The tool error for anything a tool threw: the same classification as the API's error bodies. */
function thrownToolError(error: unknown, tool: McpTool, request: FastifyRequest): CallToolResult {
  const { statusCode: status, body } = mapError(error);
  if (status >= 500 && status !== 503) {
    request.log.error({ err: loggableError(error), tool: tool.name }, 'MCP tool failed');
  } else {
    request.log.info({ status, error: body.error, tool: tool.name }, body.message);
  }
  const lines = [`${tool.name} failed (${body.error}): ${body.message}`];
  for (const f of body.fields ?? []) lines.push(`- ${f.field}: ${f.message}`);
  if (body.details && Object.keys(body.details).length > 0)
    lines.push(`details: ${JSON.stringify(body.details)}`);
  if (body.retryable) lines.push('This is temporary: retry the same call in a moment.');
  else if (status >= 500) lines.push('This is a fault on the server side, not in your call.');
  else lines.push('Nothing was changed. Correct the call and try again.');
  return toolError(lines.join('\n'));
}

/** Which contexts' definitions one request's server serves, and to whom. */
export interface McpRegistry {
  contributions: McpContribution[];
  config: AppConfig;
  watch: WorkItemWatch;
}

const resourceError = (error: unknown): McpError => {
  if (error instanceof McpError) return error;
  const { statusCode: status, body } = mapError(error);
  const code =
    status === 404
      ? -32002 // the spec's "resource not found"
      : status === 400
        ? ErrorCode.InvalidParams
        : status < 500
          ? ErrorCode.InvalidRequest
          : ErrorCode.InternalError;
  return new McpError(code, status >= 500 && status !== 503 ? 'internal server error' : body.message);
};

export function buildMcpServer(request: FastifyRequest, registry: McpRegistry): Server {
  const audience: Audience = request.principal.kind;
  const forMe = <T extends { audience: readonly Audience[] }>(items: T[]) =>
    items.filter((item) => item.audience.includes(audience));
  const all = registry.contributions;
  const tools = new Map(all.flatMap((c) => c.tools ?? []).map((t) => [t.name, t]));
  const resources = all.flatMap((c) => c.resources ?? []);
  const templates = all.flatMap((c) => c.templates ?? []);

  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
    instructions: INSTRUCTIONS,
  });

  const context = (
    em: EntityManager,
    extra: { signal: AbortSignal; _meta?: { progressToken?: string | number } },
    send: (n: { method: 'notifications/progress'; params: Record<string, unknown> }) => Promise<void>,
  ): ToolContext => {
    const token = extra._meta?.progressToken;
    return {
      em,
      freshEm: () => request.em.fork(),
      principal: request.principal,
      caller: () => request.caller(),
      config: registry.config,
      app: request.server,
      watch: registry.watch,
      signal: extra.signal,
      log: request.log,
      progress: async (progress, total, message) => {
        if (token === undefined || extra.signal.aborted) return;
        await send({
          method: 'notifications/progress',
          params: { progressToken: token, progress, ...(total !== undefined && { total }), message },
        });
      },
    };
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: forMe([...tools.values()]).map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: inputSchema(tool.input),
      outputSchema: jsonSchema(tool.output) as { type: 'object' },
      annotations: { title: tool.title, ...tool.annotations },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (call, extra): Promise<CallToolResult> => {
    const tool = tools.get(call.params.name);
    if (!tool) {
      throw new McpError(ErrorCode.InvalidParams, `unknown tool '${call.params.name}': see tools/list`);
    }
    if (!tool.audience.includes(audience)) {
      return toolError(
        `${tool.name} is for ${tool.audience.map((a) => (a === 'agent' ? "an agent's" : "a person's")).join(' or ')} ` +
          `API key, and this key belongs to ${audience === 'agent' ? 'an agent' : 'a person'}. ` +
          'Nothing was changed. Call tools/list to see the tools this key can use.',
      );
    }
    const input = Value.Default(tool.input, Value.Clone(call.params.arguments ?? {}));
    const problems = inputProblems(tool.input, input);
    if (problems.length > 0 || !Value.Check(tool.input, input)) {
      return toolError(
        [
          `${tool.name} was not called: its arguments do not fit the input schema.`,
          ...problems.map((p) => `- ${p.field}: ${p.message}`),
          'Nothing was changed. Correct these arguments and call again.',
        ].join('\n'),
      );
    }
    try {
      const { result, summary } = await tool.run(
        context(request.em.fork(), extra, (n) => extra.sendNotification(n)),
        input,
      );
      return {
        content: [
          { type: 'text', text: summary },
          { type: 'text', text: JSON.stringify(result) },
        ],
        structuredContent: result as Record<string, unknown>,
      };
    } catch (error) {
      return thrownToolError(error, tool, request);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: forMe(resources).map((r) => ({
      uri: r.uri,
      name: r.name,
      title: r.title,
      description: r.description,
      mimeType: 'application/json',
    })),
  }));

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: forMe(templates).map((t) => ({
      uriTemplate: t.uriTemplate,
      name: t.name,
      title: t.title,
      description: t.description,
      mimeType: 'application/json',
    })),
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (read, extra) => {
    const uri = read.params.uri;
    const ctx = context(request.em.fork(), extra, (n) => extra.sendNotification(n));
    try {
      const fixed = forMe(resources).find((r) => r.uri === uri);
      let data: unknown;
      if (fixed) {
        data = await fixed.read(ctx);
      } else {
        const found = forMe(templates)
          .map((t) => ({ t, vars: t.match(uri) }))
          .find((m) => m.vars !== null);
        if (!found) throw new McpError(-32002, `resource not found: ${uri}`, { uri });
        data = await found.t.read(ctx, found.vars!);
      }
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data, null, 2) }] };
    } catch (error) {
      const mapped = resourceError(error);
      if (mapped.code === ErrorCode.InternalError) {
        request.log.error({ err: loggableError(error), uri }, 'MCP resource read failed');
      }
      throw mapped;
    }
  });

  return server;
}
