/**
 * MCP tools of the reviews context: `ask_human` (ask the organization's people and wait for the answer) and
 * `get_answer` (the state of a request asked earlier, optionally waiting again).
 *
 * Waiting holds no database connection and no transaction: the call subscribes to the request's change
 * notifications (LISTEN/NOTIFY through the app's hub), reads the request through `ConsultationService` on a
 * fresh EntityManager, and sleeps until it is woken, the next progress notification is due, the request
 * expires, the wait limit passes or the client goes away. Nothing polls the database on a timer: the timers
 * only send progress and end the wait.
 */
import Type, { type Static } from 'typebox';
import type { AppConfig } from '../../config.js';
import { Uuid } from '../../common/schemas.js';
import { defineTool, type McpContribution, type ToolContext } from '../../http/mcp-tools.js';
import type { Caller } from '../identity/access.js';
import type { ConsultationRequest } from './consultation-request.entity.js';
import { ConsultationService } from './consultation.service.js';
import { RequestCreate, RequestDto, RequestResponseDto, toRequestDto } from './schemas.js';

const OUTCOMES = ['answered', 'still_pending', 'expired', 'cancelled'] as const;

export const AnswerResult = Type.Object({
  requestId: Uuid,
  outcome: Type.Enum([...OUTCOMES], {
    description:
      'answered: act on `answer`; still_pending: call get_answer later; expired/cancelled: no answer',
  }),
  answer: Type.Union([RequestResponseDto, Type.Null()]),
  waitedSeconds: Type.Number(),
  request: RequestDto,
});
type AnswerResult = Static<typeof AnswerResult>;

const waitSeconds = (config: AppConfig, def: number) =>
  Type.Integer({
    minimum: 0,
    maximum: config.mcp.maxWaitSeconds,
    default: def,
    description:
      `how long to wait for the answer, in seconds (0 to ${config.mcp.maxWaitSeconds}); when it passes ` +
      'unanswered you get outcome still_pending and can call get_answer later',
  });

/** Resolves after `ms`, or as soon as `signal` aborts or `arm`'s wake function is called. */
function nap(ms: number, signal: AbortSignal, arm: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
    arm(done);
  });
}

/**
 * Reads the request until it is no longer pending or `seconds` pass, woken by its change notifications.
 * Sends a progress notification when the wait starts and every `progressIntervalMs` after.
 */
async function waitForOutcome(
  ctx: ToolContext,
  caller: Caller,
  id: string,
  seconds: number,
): Promise<{ request: ConsultationRequest; waitedMs: number }> {
  const started = Date.now();
  if (seconds <= 0) {
    return { request: await new ConsultationService(ctx.freshEm()).get(caller, id), waitedMs: 0 };
  }
  const deadline = started + seconds * 1000;
  const interval = ctx.config.mcp.progressIntervalMs;
  let woken = false;
  let wake: () => void = () => undefined;
  const unsubscribe = await ctx.watch.subscribe('request', id, () => {
    woken = true;
    wake();
  });
  try {
    let nextProgress = started;
    for (;;) {
      woken = false;
      const request = await new ConsultationService(ctx.freshEm()).get(caller, id);
      const now = Date.now();
      if (request.effectiveStatus() !== 'pending' || now >= deadline || ctx.signal.aborted) {
        return { request, waitedMs: now - started };
      }
      if (now >= nextProgress) {
        const elapsed = Math.round((now - started) / 100) / 10;
        await ctx.progress(
          elapsed,
          seconds,
          `waiting for a person to answer request ${id} (${elapsed} of ${seconds} s)`,
        );
        nextProgress = now + interval;
      }
      if (woken) continue; // changed while we were reading: read again at once
      const until = Math.min(deadline, nextProgress, request.expiresAt.getTime() + 1);
      await nap(until - Date.now(), ctx.signal, (done) => (wake = done));
      wake = () => undefined;
    }
  } finally {
    unsubscribe();
  }
}

function outcomeOf(request: ConsultationRequest): AnswerResult['outcome'] {
  const status = request.effectiveStatus();
  return status === 'pending' ? 'still_pending' : status;
}

function summarize(result: AnswerResult): string {
  const { requestId: id, request } = result;
  switch (result.outcome) {
    case 'answered': {
      const a = result.answer ?? {};
      const what = a.choice !== undefined ? `chose "${a.choice}"` : `answered "${a.text ?? ''}"`;
      return `A person ${what} on request ${id}${a.comment ? `, commenting "${a.comment}"` : ''}. Act on this answer.`;
    }
    case 'still_pending':
      return (
        `Nobody has answered request ${id} yet (waited ${result.waitedSeconds} s); it stays open until ` +
        `${request.expiresAt}. Call get_answer with requestId "${id}" (and waitSeconds to wait again) ` +
        'instead of asking the same question again.'
      );
    case 'expired':
      return `Request ${id} expired at ${request.expiresAt} without an answer. Do not act as if it had been approved.`;
    case 'cancelled':
      return `Request ${id} was cancelled without an answer. Do not act as if it had been approved.`;
  }
}

function answerResult(
  request: ConsultationRequest,
  waitedMs: number,
): { result: AnswerResult; summary: string } {
  const result: AnswerResult = {
    requestId: request.id,
    outcome: outcomeOf(request),
    answer: request.status === 'answered' ? (request.response ?? null) : null,
    waitedSeconds: Math.round(waitedMs / 100) / 10,
    request: toRequestDto(request),
  };
  return { result, summary: summarize(result) };
}

export function reviewsMcp(config: AppConfig): McpContribution {
  const rules = { defaultTtlSeconds: config.reviews.defaultTtlSeconds, destinations: config.webhooks };

  const askHuman = defineTool({
    name: 'ask_human',
    title: 'Ask a person and wait for the answer',
    description:
      'Asks the people of your organization a question and waits for the answer. Use it before an action you are ' +
      'not sure you may take, or when you need a human decision. Give `options` (2 to 50) for a multiple-choice ' +
      'question, or none for a free-text answer; add `context` (JSON) with what the person needs to decide, a ' +
      '`priority` (low, normal, high, urgent) and optionally when the question expires (`expiresInSeconds` or ' +
      `\`expiresAt\`; default ${config.reviews.defaultTtlSeconds} s). Waits up to \`waitSeconds\` ` +
      `(default ${config.mcp.defaultWaitSeconds}) and returns outcome answered with the answer, or still_pending ` +
      'with the requestId to pass to get_answer later, or expired / cancelled.',
    audience: ['agent'],
    input: Type.Object(
      { ...RequestCreate.properties, waitSeconds: waitSeconds(config, config.mcp.defaultWaitSeconds) },
      { additionalProperties: false },
    ),
    output: AnswerResult,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async run(ctx, { waitSeconds: seconds, ...question }) {
      const caller = await ctx.caller();
      const created = await new ConsultationService(ctx.em).create(caller, question, rules);
      ctx.log.info({ requestId: created.id }, 'ask_human: request created, waiting');
      const { request, waitedMs } = await waitForOutcome(ctx, caller, created.id, seconds);
      return answerResult(request, waitedMs);
    },
  });

  const getAnswer = defineTool({
    name: 'get_answer',
    title: 'Get the answer to an earlier question',
    description:
      'The state and answer of a request asked earlier with ask_human (an agent sees its own requests; a ' +
      "person sees the organization's). With `waitSeconds` > 0 it waits that long for an answer, like ask_human. " +
      'Returns outcome answered (with the answer), still_pending, expired or cancelled.',
    audience: ['agent', 'user'],
    input: Type.Object(
      { requestId: Uuid, waitSeconds: waitSeconds(config, 0) },
      { additionalProperties: false },
    ),
    output: AnswerResult,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    async run(ctx, input) {
      const caller = await ctx.caller();
      const { request, waitedMs } = await waitForOutcome(ctx, caller, input.requestId, input.waitSeconds);
      return answerResult(request, waitedMs);
    },
  });

  return { tools: [askHuman, getAnswer] };
}
