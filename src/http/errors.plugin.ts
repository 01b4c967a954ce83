/**
 * One error format for the whole API: `{ error, message, fields?, details? }` (`ErrorResponse` in
 * src/common/schemas.ts).
 *
 * Domain and database errors are classified by src/common/error-mapping.ts, which other surfaces share;
 * this plugin adds what only Fastify knows: schema validation (400 with the failing fields) and its own
 * client errors (malformed JSON, body too large...), the JSON guard (no NUL character, no nesting deeper than
 * MAX_JSON_DEPTH, checked before validation so nothing recursive ever sees such a body), the 404 for
 * unknown routes, and the logging of 500s.
 */
import { DriverException } from '@mikro-orm/core';
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { classifyError, internalError, loggableError, type MappedError } from '../common/error-mapping.js';
import { DomainError, InvalidInputError } from '../common/errors.js';
import { ErrorResponse } from '../common/schemas.js';
import { jsonFlaws, MAX_JSON_DEPTH } from '../common/values.js';

/** Fastify's schema-validation failure, with every failing field. */
function validationError(fe: FastifyError, validation: NonNullable<FastifyError['validation']>): MappedError {
  const fields = validation.map((v) => {
    const path = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const missing = (v.params as { missingProperty?: string })?.missingProperty;
    const extra = (v.params as { additionalProperty?: string })?.additionalProperty;
    const field = [fe.validationContext, path, missing ?? extra].filter(Boolean).join('.');
    return { field, message: v.message ?? 'is invalid' };
  });
  const message = fields.map((f) => `${f.field} ${f.message}`).join('; ');
  return { statusCode: 400, body: { error: 'invalid_input', message, fields } };
}

/** Fastify's own client errors: malformed JSON, body too large, unsupported media type... */
function fastifyClientError(error: unknown): MappedError | undefined {
  const fe = error as FastifyError;
  if (
    !(error instanceof DriverException) &&
    typeof fe?.statusCode === 'number' &&
    fe.statusCode >= 400 &&
    fe.statusCode < 500
  ) {
    return {
      statusCode: fe.statusCode,
      body: { error: fe.code?.toLowerCase() ?? 'bad_request', message: fe.message },
    };
  }
  return undefined;
}

/** Maps anything a route throws to a status, a safe body and headers. */
export function toErrorResponse(error: unknown): MappedError {
  const fe = error as FastifyError;
  if (!(error instanceof DomainError) && fe?.validation) {
    return validationError(fe, fe.validation);
  }
  return classifyError(error) ?? fastifyClientError(error) ?? internalError();
}

function send(reply: FastifyReply, { statusCode, body, headers }: MappedError) {
  if (headers) void reply.headers(headers);
  return reply.status(statusCode).send(body);
}

const errorsPlugin: FastifyPluginAsync = async (app) => {
  app.addSchema(ErrorResponse);
  // Every body of every route and surface registered on this app, before ajv, TypeBox or a handler sees it.
  app.addHook('preValidation', async (request) => {
    const flaws = jsonFlaws(request.body, { path: 'body', maxDepth: MAX_JSON_DEPTH, limit: 20 });
    if (flaws.length === 0) return;
    const fields = new Map<string, string>();
    for (const flaw of flaws.sort((a, b) => (a.path < b.path ? -1 : 1))) {
      if (flaw.kind === 'nul') fields.set(flaw.path, 'must not contain a NUL character');
      else fields.set(flaw.field, `must not be nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const list = [...fields].map(([field, message]) => ({ field, message }));
    throw new InvalidInputError(list.map((f) => `${f.field} ${f.message}`).join('; '), { fields: list });
  });
  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error);
    if (response.statusCode >= 500) {
      request.log.error({ err: loggableError(error) }, 'request failed');
    } else {
      request.log.info({ status: response.statusCode, error: response.body.error }, response.body.message);
    }
    return send(reply, response);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, {
      statusCode: 404,
      body: { error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    }),
  );
};

export default fp(errorsPlugin, { name: 'oversight-errors', fastify: '5.x' });
