/**
 * @fastify/formbody for the web inbox's forms (application/x-www-form-urlencoded). An empty field means
 * "not given" (a form always sends its text inputs), so it is dropped before validation; a repeated field
 * keeps its last value. The body limit is the app's.
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';

export const parseForm = (body: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (value.trim() === '') delete out[key];
    else out[key] = value;
  }
  return out;
};

export const registerFormbody = (app: FastifyInstance) => app.register(formbody, { parser: parseForm });
