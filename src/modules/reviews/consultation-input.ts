/**
 * The checks of a consultation request's input that need no database: what `create` is asked, what an answer
 * may be. Pure, so every surface gets the same 400 and 422 from ConsultationService.
 */
import { InvalidInputError, RuleViolationError } from '../../common/errors.js';
import { assertJsonField, parseInstant } from '../../common/values.js';
import type { ConsultationRequest, RequestResponse } from './consultation-request.entity.js';
import { checkDestinationShape, DestinationRefusedError, type DestinationPolicy } from './destination.js';
import type { RequestPriority } from './enums.js';

export interface CreateRequestInput {
  question: string;
  context?: Record<string, unknown>;
  answerKind?: 'choice' | 'text';
  options?: string[];
  priority?: RequestPriority;
  assigneeId?: string | null;
  callbackUrl?: string | null;
  expiresAt?: string;
  expiresInSeconds?: number;
  metadata?: Record<string, unknown>;
}

/** Settings the service needs, passed by the caller (routes read them from the configuration). */
export interface CreateRequestRules {
  defaultTtlSeconds: number;
  destinations: DestinationPolicy;
}

const MAX_TTL_MS = 30 * 24 * 3600 * 1000;

/** The checked shape of a new request; the first failing check answers (400). */
export function checkCreateInput(
  input: CreateRequestInput,
  rules: CreateRequestRules,
): { answerKind: 'choice' | 'text'; options: string[]; expiresAt: Date } {
  const answerKind = input.answerKind ?? (input.options?.length ? 'choice' : 'text');
  const options = input.options ?? [];
  if (answerKind === 'choice' && options.length < 2) {
    throw new InvalidInputError('a choice question needs at least two options', { field: 'options' });
  }
  if (answerKind === 'text' && options.length > 0) {
    throw new InvalidInputError('a free-text question takes no options', { field: 'options' });
  }
  assertJsonField(input.context, 'context');
  assertJsonField(input.metadata, 'metadata');
  if (!input.question.trim())
    throw new InvalidInputError('question must not be blank', { field: 'question' });
  if (input.expiresAt && input.expiresInSeconds) {
    throw new InvalidInputError('give expiresAt or expiresInSeconds, not both', { field: 'expiresAt' });
  }
  const now = Date.now();
  const expiresAt = input.expiresAt
    ? parseInstant(input.expiresAt, 'expiresAt')
    : new Date(now + (input.expiresInSeconds ?? rules.defaultTtlSeconds) * 1000);
  if (expiresAt.getTime() <= now) {
    throw new InvalidInputError('expiresAt must be in the future', { field: 'expiresAt' });
  }
  if (expiresAt.getTime() > now + MAX_TTL_MS) {
    throw new InvalidInputError('expiresAt must be within 30 days', { field: 'expiresAt' });
  }
  if (input.callbackUrl) {
    try {
      checkDestinationShape(input.callbackUrl, rules.destinations);
    } catch (error) {
      if (error instanceof DestinationRefusedError) {
        throw new InvalidInputError(`callbackUrl is not allowed: ${error.message}`, {
          field: 'callbackUrl',
        });
      }
      throw error;
    }
  }
  return { answerKind, options, expiresAt };
}

/** An answer must fit the question: one of the options, or a non-blank text. */
export function checkAnswer(request: ConsultationRequest, answer: RequestResponse): void {
  if (request.answerKind === 'choice') {
    if (answer.text !== undefined || answer.choice === undefined) {
      throw new RuleViolationError('this request takes one of its options as `choice`', {
        options: request.options,
      });
    }
    if (!request.options.includes(answer.choice)) {
      throw new RuleViolationError(`'${answer.choice}' is not one of the allowed answers`, {
        options: request.options,
      });
    }
  } else if (answer.choice !== undefined || !answer.text?.trim()) {
    throw new RuleViolationError('this request takes a free-text answer as `text`');
  }
}
