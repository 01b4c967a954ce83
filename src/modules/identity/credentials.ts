/**
 * Passwords and API keys.
 *
 * Passwords: bcrypt, cost 12 (seed 004 NFR-3), through the maintained `bcrypt` binding.
 * API keys: `ovs_<8-char public id>_<40-char secret>` from 36 random bytes (~238 bits). Only the public
 * prefix and a SHA-256 hash are stored; a high-entropy key needs no slow hash, and the comparison is
 * constant-time.
 */
import bcrypt from 'bcrypt';
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

export const BCRYPT_COST = 12;
const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_BYTES = 72; // bcrypt ignores everything past 72 bytes

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

export function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  // Compare against a dummy hash when the user has none, so timing does not reveal which emails exist.
  return bcrypt.compare(password, hash ?? DUMMY_HASH);
}
const DUMMY_HASH = '$2b$12$N8KkpwXAVqtB4iIQqzzOE.dfUqrRf6h0mfzs.1o.EpxXMowK1lNR6';

/** Returns a problem with the password, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES)
    return `must be at most ${MAX_PASSWORD_BYTES} bytes`;
  return null;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_PATTERN = /^(ovs_[A-Za-z0-9]{8})_([A-Za-z0-9]{40})$/;

function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export interface GeneratedKey {
  /** The whole key: shown to its owner once, never stored. */
  key: string;
  /** Public, unique, stored: finds the row. */
  prefix: string;
  /** SHA-256 of the whole key, hex: stored. */
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): GeneratedKey {
  const prefix = `ovs_${randomString(8)}`;
  const key = `${prefix}_${randomString(40)}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** Splits a presented key into its prefix, or returns null when it is not shaped like one of ours. */
export function parseApiKey(presented: string): { prefix: string } | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? { prefix: match[1]! } : null;
}

/** Constant-time comparison of the presented key's hash with the stored one. */
export function apiKeyMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
