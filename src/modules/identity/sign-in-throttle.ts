/**
 * The sign-in throttle shared by `POST /api/v1/auth/login` and the inbox's sign-in form: failures are
 * counted per account (the email as typed, lower-cased, known or not) and per client address within a
 * sliding window; past either limit every attempt answers 429 before any password is checked, the same
 * for an email with an account and one without. A successful sign-in clears the account's failures.
 * Failures are rows in `sign_in_attempts` (not process memory), so every app instance sees them.
 */
import type { EntityManager } from '@mikro-orm/core';
import { TooManyRequestsError } from '../../common/errors.js';
import { SignInAttempt } from './sign-in-attempt.entity.js';

export interface SignInLimits {
  /** Failed sign-ins for one email within the window before it is refused. */
  maxFailuresPerAccount: number;
  /** Failed sign-ins from one address within the window before it is refused. */
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase().slice(0, 255);
const normalizeAddress = (address: string) => address.slice(0, 64);

export class SignInThrottle {
  constructor(
    private readonly em: EntityManager,
    private readonly limits: SignInLimits,
  ) {}

  /**
   * Refuses (429) when the account or the address has used up its failures in the window; otherwise says
   * how many failures the account has in it (so a success only clears what is there).
   */
  async assertAllowed(
    email: string,
    address: string,
    now = new Date(),
  ): Promise<{ accountFailures: number }> {
    const since = new Date(now.getTime() - this.limits.windowSeconds * 1000);
    const rows = await this.em
      .getConnection()
      .execute<{ by_account: number | string; by_address: number | string; oldest: Date | string | null }[]>(
        `select (select count(*) from sign_in_attempts where email = ? and created_at > ?) as by_account,
              (select count(*) from sign_in_attempts where address = ? and created_at > ?) as by_address,
              (select min(created_at) from sign_in_attempts
                where (email = ? or address = ?) and created_at > ?) as oldest`,
        [
          normalizeEmail(email),
          since,
          normalizeAddress(address),
          since,
          normalizeEmail(email),
          normalizeAddress(address),
          since,
        ],
        'all',
        this.em.getTransactionContext(),
      );
    const row = rows[0];
    const byAccount = Number(row?.by_account ?? 0);
    const byAddress = Number(row?.by_address ?? 0);
    if (byAccount < this.limits.maxFailuresPerAccount && byAddress < this.limits.maxFailuresPerAddress) {
      return { accountFailures: byAccount };
    }
    const oldest = row?.oldest ? new Date(row.oldest).getTime() : now.getTime();
    const retryAfter = Math.max(
      1,
      Math.ceil((oldest + this.limits.windowSeconds * 1000 - now.getTime()) / 1000),
    );
    throw new TooManyRequestsError(
      `too many failed sign-ins; try again in ${retryAfter} seconds`,
      retryAfter,
    );
  }

  /**
   * Records a failure outside the request's unit of work (the sign-in itself fails and writes nothing),
   * and prunes this account's and address's rows that have left the window.
   */
  async recordFailure(email: string, address: string, now = new Date()): Promise<void> {
    const since = new Date(now.getTime() - this.limits.windowSeconds * 1000);
    await this.em.nativeDelete(SignInAttempt, {
      $or: [{ email: normalizeEmail(email) }, { address: normalizeAddress(address) }],
      createdAt: { $lte: since },
    });
    await this.em.insert(SignInAttempt, {
      email: normalizeEmail(email),
      address: normalizeAddress(address),
      createdAt: now,
    });
  }

  /** A correct password clears the account's failures (the address keeps its own). */
  async recordSuccess(email: string): Promise<void> {
    await this.em.nativeDelete(SignInAttempt, { email: normalizeEmail(email) });
  }
}
