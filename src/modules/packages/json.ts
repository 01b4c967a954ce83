/**
 * Checks a JSON document before it is read recursively or stored as jsonb: walked with an explicit stack, so
 * a hostile nesting cannot overflow ours, and refused when PostgreSQL could not store it (a NUL character,
 * \u0000, in a string or a key: 22P05).
 */
export const MAX_JSON_DEPTH = 512;

/** Why the document cannot be taken (`nested deeper than …`, `contains a NUL character`), or null. */
export function unstorableJson(doc: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const stack: [unknown, number][] = [[doc, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, depth] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'it contains a NUL character (\\u0000)';
    } else if (typeof value === 'object' && value !== null) {
      if (depth > maxDepth) return `it is nested deeper than ${maxDepth} levels`;
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) return 'it contains a NUL character (\\u0000)';
        stack.push([child, depth + 1]);
      }
    }
  }
  return null;
}
