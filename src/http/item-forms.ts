/**
 * How every inbox item page answers a decision posted from its form (a request's answer, a validation's
 * review, a workflow's decision): 303 back to the item with `notice=<done>`; 303 with `notice=taken` when
 * someone decided first (a ConflictError), so the page says who and what; the form again with the message
 * when the input breaks a rule. Anything else is the app's error page.
 */
import type { FastifyReply } from 'fastify';
import { ConflictError, InvalidInputError, RuleViolationError } from '../common/errors.js';

export async function decideFromForm(
  reply: FastifyReply,
  item: { url: string; done: string },
  decide: () => Promise<unknown>,
  rerender: (error: RuleViolationError | InvalidInputError) => Promise<unknown>,
): Promise<unknown> {
  try {
    await decide();
  } catch (error) {
    if (error instanceof ConflictError) return reply.redirect(`${item.url}?notice=taken`, 303);
    if (error instanceof RuleViolationError || error instanceof InvalidInputError) return rerender(error);
    throw error;
  }
  return reply.redirect(`${item.url}?notice=${item.done}`, 303);
}
