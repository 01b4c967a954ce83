/**
 * One error format for the whole API: `{ error, message, fields?, details? }`.
 *
 * validation 400 (with the failing fields), unauthenticated 401, forbidden 403, not found 404,
 * conflict / unique violation 409, broken rule / check violation 422, database unavailable 503 (retryable),
 * anything else 500 without internals. Messages never carry secrets or stack traces.
 */
import {
  CheckConstraintViolationException,
  ConnectionException,
  ForeignKeyConstraintViolationException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
  DriverException,
} from '@mikro-orm/core';
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import Type, { type Static } from 'typebox';
import { DomainError, InvalidInputError } from '../common/errors.js';

export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code' }),
    message: Type.String(),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    retryable: Type.Optional(Type.Boolean()),
  },
  { $id: 'ErrorResponse', title: 'ErrorResponse' },
);
export type ErrorBody = Static<typeof ErrorResponse>;

/** Response schemas for the given error statuses, for a route's `schema.response`. */
export function errorResponses(...codes: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(codes.map((c) => [c, ErrorResponse]));
}

/** PostgreSQL SQLSTATEs that mean the connection or the server went away: retry later. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300',
]);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

function isUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  const e = error as { code?: string; message?: string; cause?: unknown };
  if (e?.code && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_CODES.has(e.code))) return true;
  const message = e?.message ?? '';
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|Cannot use a pool after calling end/i.test(
      message,
    )
  ) {
    return true;
  }
  return e?.cause !== undefined && e.cause !== error ? isUnavailable(e.cause) : false;
}

/**
 * SQLSTATE class 22 (data exception): the database refused a value the request carried, e.g. a NUL
 * character in text or jsonb (22P05, 22021) or a number out of range (22003). Found by the fuzzing in
 * tests/reliability/fuzz.test.ts, which used to get a 500 for them: they are the client's input, so 400.
 */
function isDataException(error: unknown): boolean {
  if (!(error instanceof DriverException)) return false;
  const e = error as DriverException & { sqlState?: string };
  return /^22/.test(e.sqlState ?? e.code ?? '');
}

function constraintOf(error: unknown): string | undefined {
  return (error as { constraint?: string }).constraint;
}

/** Maps any thrown value to a status and a safe body. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof DomainError) {
    const body: ErrorBody = { error: error.code, message: error.message };
    // Failing fields always travel in the top-level `fields`, whichever layer found them.
    const { fields, ...details } = (error.details ?? {}) as { fields?: ErrorBody['fields'] };
    if (Array.isArray(fields)) body.fields = fields;
    if (Object.keys(details).length > 0) body.details = details;
    if (error.statusCode === 503) body.retryable = true;
    return { status: error.statusCode, body };
  }
  const fe = error as FastifyError;
  if (fe?.validation) {
    const fields = fe.validation.map((v) => {
      const path = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
      const missing = (v.params as { missingProperty?: string })?.missingProperty;
      const extra = (v.params as { additionalProperty?: string })?.additionalProperty;
      const field = [fe.validationContext, path, missing ?? extra].filter(Boolean).join('.');
      return { field, message: v.message ?? 'is invalid' };
    });
    const message = fields.map((f) => `${f.field} ${f.message}`).join('; ');
    return { status: 400, body: { error: 'invalid_input', message, fields } };
  }
  if (error instanceof UniqueConstraintViolationException) {
    return {
      status: 409,
      body: {
        error: 'conflict',
        message: 'a record with the same unique value already exists',
        details: { constraint: constraintOf(error) },
      },
    };
  }
  if (
    error instanceof CheckConstraintViolationException ||
    error instanceof NotNullConstraintViolationException
  ) {
    return {
      status: 422,
      body: {
        error: 'rule_violation',
        message: 'the database refused a value',
        details: { constraint: constraintOf(error) },
      },
    };
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return {
      status: 409,
      body: {
        error: 'conflict',
        message: 'a referenced record does not exist or is still in use',
        details: { constraint: constraintOf(error) },
      },
    };
  }
  if (isDataException(error)) {
    return {
      status: 400,
      body: {
        error: 'invalid_input',
        message: 'a value cannot be stored (e.g. a NUL character or a number out of range)',
      },
    };
  }
  if (isUnavailable(error)) {
    return {
      status: 503,
      body: {
        error: 'service_unavailable',
        message: 'the database is unavailable; retry shortly',
        retryable: true,
      },
    };
  }
  if (
    !(error instanceof DriverException) &&
    typeof fe?.statusCode === 'number' &&
    fe.statusCode >= 400 &&
    fe.statusCode < 500
  ) {
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type...
    return {
      status: fe.statusCode,
      body: { error: fe.code?.toLowerCase() ?? 'bad_request', message: fe.message },
    };
  }
  return { status: 500, body: { error: 'internal', message: 'internal server error' } };
}

/**
 * What of an error may be logged. Driver errors carry the SQL with its parameters inlined (hashes,
 * ciphertexts), so only their class, SQLSTATE and the server's own message are kept.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (error instanceof DriverException) {
    const e = error as DriverException & { sqlState?: string; constraint?: string };
    const serverMessage = e.message.includes(' - ')
      ? e.message.slice(e.message.lastIndexOf(' - ') + 3)
      : e.name;
    return {
      type: e.name,
      code: e.code,
      sqlState: e.sqlState,
      constraint: e.constraint,
      message: serverMessage,
    };
  }
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error, message: String(error) };
}

function send(reply: FastifyReply, status: number, body: ErrorBody) {
  if (status === 503) void reply.header('retry-after', '1');
  const retryAfter = body.details?.retryAfterSeconds;
  if (status === 429 && typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  return reply.status(status).send(body);
}

/**
 * The paths of the strings (values or keys) holding a NUL character, which PostgreSQL cannot store in
 * text or jsonb (it fails with 08P01 or 22P05, formerly a 500: found by tests/reliability/fuzz.test.ts).
 * Walks with an explicit stack, so a deeply nested body cannot overflow it.
 */
export function nulCharacterPaths(root: unknown, limit = 20): string[] {
  const found: string[] = [];
  const stack: [unknown, string][] = [[root, 'body']];
  while (stack.length > 0 && found.length < limit) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push(path);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) found.push(path);
        else stack.push([item, `${path}.${key}`]);
      }
    }
  }
  return found.sort();
}

const errorsPlugin: FastifyPluginAsync = async (app) => {
  app.addSchema(ErrorResponse);
  app.addHook('preValidation', async (request) => {
    const paths = nulCharacterPaths(request.body);
    if (paths.length > 0) {
      throw new InvalidInputError(`${paths.join(', ')} must not contain a NUL character`, {
        fields: paths.map((field) => ({ field, message: 'must not contain a NUL character' })),
      });
    }
  });
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) {
      request.log.error({ err: loggableError(error) }, 'request failed');
    } else {
      request.log.info({ status, error: body.error }, body.message);
    }
    return send(reply, status, body);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, {
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
};

export default fp(errorsPlugin, { name: 'oversight-errors', fastify: '5.x' });
