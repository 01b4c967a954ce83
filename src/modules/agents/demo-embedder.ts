/**
 * DEMO STAND-IN for an embedding provider: turns a text into a deterministic unit vector of 1536
 * numbers, so that texts sharing words land near each other (cosine similarity grows with the words
 * they share) and unrelated texts are nearly orthogonal. It knows no meaning: "car" and "automobile"
 * are unrelated to it. The seeder and the `query` field of memory search use it; a real deployment
 * computes embeddings with the provider of EMBEDDING_MODEL / EMBEDDING_API_KEY and sends them as
 * `embedding`.
 *
 * How: every word (lower-cased, 2+ letters, common stop words dropped) gets a pseudo-random gaussian
 * vector seeded by a hash of the word; a text is the normalised sum of its words' vectors.
 */
import { createHash } from 'node:crypto';
import { EMBEDDING_DIMENSIONS } from './enums.js';

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have i in is it its of on or that the this to was were will with you your'.split(
    ' ',
  ),
);

const cache = new Map<string, Float64Array>();

function wordVector(word: string): Float64Array {
  const cached = cache.get(word);
  if (cached) return cached;
  // xorshift128 seeded from the word's SHA-256: cheap, deterministic, well spread
  const seed = createHash('sha256').update(word).digest();
  let [a, b, c, d] = [
    seed.readUInt32LE(0),
    seed.readUInt32LE(4),
    seed.readUInt32LE(8),
    seed.readUInt32LE(12),
  ];
  const next = () => {
    const t = a ^ (a << 11);
    [a, b, c] = [b, c, d];
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return (d + 1) / 4294967297;
  };
  const v = new Float64Array(EMBEDDING_DIMENSIONS);
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i++) {
    v[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  }
  if (cache.size < 10_000) cache.set(word, v);
  return v;
}

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? []).filter((w) => !STOP_WORDS.has(w));
}

/** A unit vector of 1536 numbers for the text (a fixed vector when it has no words). */
export function embedText(text: string): number[] {
  const words = tokenize(text);
  const sum = new Float64Array(EMBEDDING_DIMENSIONS);
  for (const word of words.length ? words : ['<empty>']) {
    const v = wordVector(word);
    for (let i = 0; i < EMBEDDING_DIMENSIONS; i++) sum[i]! += v[i]!;
  }
  const norm = Math.sqrt(sum.reduce((s, x) => s + x * x, 0)) || 1;
  return Array.from(sum, (x) => x / norm);
}
