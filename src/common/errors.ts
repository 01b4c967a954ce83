/**
 * Typed domain errors. Services throw these; the HTTP layer maps `statusCode` and `code` to a response.
 * A plain `Error` reaching the HTTP layer is a bug and answers 500 without internals.
 */
export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  /** Extra, safe-to-show details (e.g. failing fields). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    if (details) this.details = details;
  }
}

/** Input that does not satisfy a rule checkable without the database. */
export class InvalidInputError extends DomainError {
  readonly statusCode = 400;
  readonly code = 'invalid_input';
}

/** No credential, or one that is unknown, expired or revoked. */
export class UnauthenticatedError extends DomainError {
  readonly statusCode = 401;
  readonly code = 'unauthenticated';
}

/** The caller is known but lacks the role or scope for this action. */
export class ForbiddenError extends DomainError {
  readonly statusCode = 403;
  readonly code = 'forbidden';
}

/** The resource does not exist, or exists in an organization the caller cannot see. */
export class NotFoundError extends DomainError {
  readonly statusCode = 404;
  readonly code = 'not_found';
  constructor(resource: string, id?: string) {
    super(id ? `${resource} ${id} not found` : `${resource} not found`, { resource });
  }
}

/** The request conflicts with the current state (duplicate, already answered, illegal transition). */
export class ConflictError extends DomainError {
  readonly statusCode = 409;
  readonly code = 'conflict';
}

/** A domain rule forbids this change (e.g. removing the last owner). */
export class RuleViolationError extends DomainError {
  readonly statusCode = 422;
  readonly code = 'rule_violation';
}

/** The database is unreachable or dropped the connection; the client may retry. */
export class ServiceUnavailableError extends DomainError {
  readonly statusCode = 503;
  readonly code = 'service_unavailable';
}

/** Too many attempts (e.g. failed sign-ins); `details.retryAfterSeconds` says when to try again. */
export class TooManyRequestsError extends DomainError {
  readonly statusCode = 429;
  readonly code = 'too_many_requests';
  constructor(message: string, retryAfterSeconds: number) {
    super(message, { retryAfterSeconds });
  }
}
