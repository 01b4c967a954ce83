/**
 * What any thrown value means to a client, whatever the surface (JSON API, HTML page, MCP tool error):
 * a status, a safe body and maybe headers. Knows domain errors and database driver errors, nothing of HTTP
 * frameworks; each surface renders the result its own way and adds its own framework's errors
 * (`src/http/errors.plugin.ts` adds Fastify's validation and client errors).
 *
 * unauthenticated 401, forbidden 403, not found 404, conflict / unique violation 409, broken rule /
 * check violation 422, refused value 400, database unavailable 503 (retryable), anything else 500
 * without internals. Messages never carry secrets or stack traces.
 */
import {
  CheckConstraintViolationException,
  ConnectionException,
  ForeignKeyConstraintViolationException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
  DriverException,
} from '@mikro-orm/core';
import { DomainError } from './errors.js';
import type { ErrorBody } from './schemas.js';

export interface MappedError {
  statusCode: number;
  body: ErrorBody;
  /** Headers the answer carries (`retry-after` on 503, and on 429 when the error says when). */
  headers?: Record<string, string>;
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

/**
 * The connection or the server went away (not a refused statement): worth retrying, elsewhere or later.
 * PgBouncer reports a server it cannot reach with SQLSTATE 08P01 (protocol violation) and its own messages.
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  const e = error as { code?: string; message?: string; cause?: unknown };
  if (e?.code && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_CODES.has(e.code))) return true;
  const message = e?.message ?? '';
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|Cannot use a pool after calling end|server login has been failing|query_wait_timeout|client_login_timeout|pgbouncer cannot connect to server|server conn crashed/i.test(
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

/**
 * The constraint a driver error names. On Citus the error comes from a worker, relayed without its fields:
 * the name is read from the message, less the shard id Citus appends (`findings_layer_id_not_blank_102045`).
 */
export function constraintOf(error: unknown): string | undefined {
  const { constraint, message } = error as { constraint?: string; message?: string };
  if (constraint) return constraint;
  const named = /constraint "([^"]+)"/.exec(message ?? '')?.[1];
  return named?.replace(/_\d{6,}$/, '');
}

/** A mapped error; a 503 always tells the client when to retry. */
function mapped(statusCode: number, body: ErrorBody): MappedError {
  return statusCode === 503 ? { statusCode, body, headers: { 'retry-after': '1' } } : { statusCode, body };
}

/** The answer for a 500: nothing of the error itself. */
export const internalError = (): MappedError => ({
  statusCode: 500,
  body: { error: 'internal', message: 'internal server error' },
});

/** A domain or database error as a client sees it; undefined when the error is none of those. */
export function classifyError(error: unknown): MappedError | undefined {
  if (error instanceof DomainError) {
    const body: ErrorBody = { error: error.code, message: error.message };
    // Failing fields always travel in the top-level `fields`, whichever layer found them.
    const { fields, ...details } = (error.details ?? {}) as { fields?: ErrorBody['fields'] };
    if (Array.isArray(fields)) body.fields = fields;
    if (Object.keys(details).length > 0) body.details = details;
    if (error.statusCode === 503) body.retryable = true;
    const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (error.statusCode === 429 && typeof retryAfter === 'number') {
      return { statusCode: 429, body, headers: { 'retry-after': String(retryAfter) } };
    }
    return mapped(error.statusCode, body);
  }
  if (error instanceof UniqueConstraintViolationException) {
    return mapped(409, {
      error: 'conflict',
      message: 'a record with the same unique value already exists',
      details: { constraint: constraintOf(error) },
    });
  }
  if (
    error instanceof CheckConstraintViolationException ||
    error instanceof NotNullConstraintViolationException
  ) {
    return mapped(422, {
      error: 'rule_violation',
      message: 'the database refused a value',
      details: { constraint: constraintOf(error) },
    });
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return mapped(409, {
      error: 'conflict',
      message: 'a referenced record does not exist or is still in use',
      details: { constraint: constraintOf(error) },
    });
  }
  if (isDataException(error)) {
    return mapped(400, {
      error: 'invalid_input',
      message: 'a value cannot be stored (e.g. a NUL character or a number out of range)',
    });
  }
  if (isUnavailable(error)) {
    return mapped(503, {
      error: 'service_unavailable',
      message: 'the database is unavailable; retry shortly',
      retryable: true,
    });
  }
  return undefined;
}

/** Maps any thrown value to a status, a safe body and headers: a 500 for what it does not know. */
export function mapError(error: unknown): MappedError {
  return classifyError(error) ?? internalError();
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
