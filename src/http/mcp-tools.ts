/**
 * The contract between the MCP transport (`mcp.plugin.ts`) and each context's `tools.ts`: what a tool, a
 * resource and a resource template are, and what a handler gets. A tool is a thin adapter: its input schema
 * is (a part of) the context's TypeBox body schema, it calls a service with the caller, and it returns the
 * context's DTO. Rules live in the services; a thrown `DomainError` becomes a tool error the model can read.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Static, TObject } from 'typebox';
import type { AppConfig } from '../config.js';
import type { Caller, Principal } from '../modules/identity/access.js';
import type { WorkItemWatch } from './work-item-watch.js';

/** Who a tool or resource is for: an agent's key, a person's key, or both. */
export type Audience = 'agent' | 'user';

/** What a tool or resource handler gets for one call. */
export interface ToolContext {
  /** The request's EntityManager fork (one unit of work per HTTP request, as for routes). */
  em: EntityManager;
  /** A fresh fork with an empty identity map: for reading again what may have changed meanwhile. */
  freshEm(): EntityManager;
  principal: Principal;
  caller(): Promise<Caller>;
  config: AppConfig;
  app: FastifyInstance;
  /** Wakes a waiting call when a request, validation or workflow changes (LISTEN/NOTIFY). */
  watch: WorkItemWatch;
  /** Aborted when the client cancels the call or goes away. */
  signal: AbortSignal;
  /** Sends a progress notification when the client asked for them (a progress token); else does nothing. */
  progress(progress: number, total: number | undefined, message: string): Promise<void>;
  log: FastifyBaseLogger;
}

/** What a tool returns: the structured result (matching `output`) and a one-paragraph summary for the model. */
export interface ToolOutcome<O extends TObject> {
  result: Static<O>;
  summary: string;
}

export interface McpTool<I extends TObject = TObject, O extends TObject = TObject> {
  name: string;
  title: string;
  /** What the tool does, when to use it and what comes back: the model reads this to decide. */
  description: string;
  audience: readonly Audience[];
  input: I;
  output: O;
  annotations?: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  run(ctx: ToolContext, input: Static<I>): Promise<ToolOutcome<O>>;
}

/** Keeps the input and output types of a tool tied to its schemas. */
export const defineTool = <I extends TObject, O extends TObject>(tool: McpTool<I, O>): McpTool<I, O> => tool;

/** A fixed resource, e.g. `oversight://agent/profile`. */
export interface McpResource {
  uri: string;
  name: string;
  title: string;
  description: string;
  audience: readonly Audience[];
  /** The resource's JSON (served as `application/json`). */
  read(ctx: ToolContext): Promise<unknown>;
}

/** A family of resources, e.g. `oversight://conversations/{id}`. */
export interface McpResourceTemplate {
  uriTemplate: string;
  name: string;
  title: string;
  description: string;
  audience: readonly Audience[];
  /** The template's variables when `uri` is one of its resources, else null. */
  match(uri: string): Record<string, string> | null;
  read(ctx: ToolContext, variables: Record<string, string>): Promise<unknown>;
}

/** What each context contributes to the MCP endpoint. */
export interface McpContribution {
  tools?: McpTool[];
  resources?: McpResource[];
  templates?: McpResourceTemplate[];
}
