/**
 * The surface-neutral pieces other surfaces (inbox pages, MCP tools) reuse without Fastify: the error
 * mapping and the one JSON walker. The HTTP behaviour built on them is covered by tests/http/bad-input.test.ts
 * and tests/packages/hostile-input.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loggableError, mapError } from '../../src/common/error-mapping.js';
import { NotFoundError, ServiceUnavailableError } from '../../src/common/errors.js';
import { MAX_JSON_DEPTH, nulCharacterPaths, unstorableJson } from '../../src/common/values.js';

describe('mapError', () => {
  it('maps a domain error to its status and code, and a 503 to a retryable answer with retry-after', () => {
    expect(mapError(new NotFoundError('Agent', 'a1'))).toEqual({
      statusCode: 404,
      body: { error: 'not_found', message: 'Agent a1 not found', details: { resource: 'Agent' } },
    });
    const unavailable = mapError(new ServiceUnavailableError('try later'));
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.body.retryable).toBe(true);
    expect(unavailable.headers).toEqual({ 'retry-after': '1' });
  });

  it('answers anything unknown with a 500 that carries nothing of the error, and logs its message', () => {
    const error = new Error('secret detail');
    expect(mapError(error)).toEqual({
      statusCode: 500,
      body: { error: 'internal', message: 'internal server error' },
    });
    expect(loggableError(error)).toMatchObject({ type: 'Error', message: 'secret detail' });
  });
});

describe('the JSON walker', () => {
  it('names every string and key holding a NUL character, sorted', () => {
    const body = { a: 'x\u0000', b: { c: ['ok', '\u0000'] }, ['k\u0000']: 'v' };
    expect(nulCharacterPaths(body)).toEqual(['body', 'body.a', 'body.b.c.1']);
    expect(nulCharacterPaths({ fine: ['text', 1, null] })).toEqual([]);
  });

  it('refuses a document nested deeper than the cap without overflowing the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    expect(unstorableJson(deep)).toBe(`it is nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(unstorableJson({ list: [{ name: 'a\u0000' }] })).toBe('it contains a NUL character (\\u0000)');
    expect(unstorableJson({ list: [{ name: 'a' }] })).toBeNull();
  });
});
