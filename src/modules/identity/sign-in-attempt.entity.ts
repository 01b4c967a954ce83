import { defineEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';

/**
 * One failed sign-in (JSON login or web inbox), kept for the sign-in throttle: failures are counted per
 * account (the email as typed, lower-cased, whether or not an account has it, so the throttle tells
 * nothing about which emails exist) and per client address within a sliding window. Not tenant-owned:
 * it exists before anyone is authenticated. Rows older than the window are pruned as new ones arrive.
 */
export const SignInAttemptSchema = defineEntity({
  name: 'SignInAttempt',
  tableName: 'sign_in_attempts',
  properties: {
    id: idProperty(),
    email: p.string().length(255),
    address: p.string().length(64),
    createdAt: createdAtProperty(),
  },
  indexes: [
    { name: 'sign_in_attempts_email_created_at_index', properties: ['email', 'createdAt'] },
    { name: 'sign_in_attempts_address_created_at_index', properties: ['address', 'createdAt'] },
  ],
});

export class SignInAttempt extends SignInAttemptSchema.class {}
SignInAttemptSchema.setClass(SignInAttempt);
