/**
 * The LICENSE check: an SPDX license expression against an organization's active allow-list.
 *
 * - `A OR B` passes when either side passes; `A AND B` only when both do; parentheses group.
 * - `A WITH exception` passes when `A WITH exception` or plain `A` is allowed (an exception only adds rights).
 * - Identifiers compare case-insensitively. Operators are accepted in any case.
 * - No license recorded, text that is not an SPDX expression (`SEE LICENSE IN ...`), or an empty allow-list
 *   give `unknown`: a person decides. A valid expression that is not allowed gives `fail`.
 */
import type { CheckStatus } from './enums.js';

type Node =
  { kind: 'id'; id: string; exception: string | null } | { kind: 'and' | 'or'; left: Node; right: Node };

const ID = /^[A-Za-z0-9][A-Za-z0-9.+:-]*$/;

/** Parses an SPDX expression; null when the text is not one. */
export function parseSpdx(text: string): Node | null {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at]?.toUpperCase();
  const atom = (): Node | null => {
    const token = tokens[at];
    if (token === undefined) return null;
    if (token === '(') {
      at++;
      const inner = or();
      if (!inner || tokens[at] !== ')') return null;
      at++;
      return inner;
    }
    if (!ID.test(token) || ['AND', 'OR', 'WITH'].includes(token.toUpperCase())) return null;
    at++;
    if (peek() === 'WITH') {
      at++;
      const exception = tokens[at];
      if (exception === undefined || !ID.test(exception)) return null;
      at++;
      return { kind: 'id', id: token, exception };
    }
    return { kind: 'id', id: token, exception: null };
  };
  const chain = (kind: 'and' | 'or', operand: () => Node | null) => (): Node | null => {
    let left = operand();
    while (left && peek() === kind.toUpperCase()) {
      at++;
      const right = operand();
      if (!right) return null;
      left = { kind, left, right };
    }
    return left;
  };
  const and = chain('and', atom);
  const or = chain('or', and);
  const tree = or();
  return tree && at === tokens.length ? tree : null;
}

export interface LicenseVerdict {
  status: CheckStatus;
  /** Why, in words, for the check result. */
  reason: string;
}

export function checkLicense(license: string | null, allowList: readonly string[]): LicenseVerdict {
  if (!license) return { status: 'unknown', reason: 'no license recorded for this package' };
  const tree = parseSpdx(license);
  if (!tree) return { status: 'unknown', reason: `'${license}' is not an SPDX license expression` };
  if (allowList.length === 0) {
    return { status: 'unknown', reason: 'the organization has no active license allow-list' };
  }
  const allowed = new Set(allowList.map((l) => l.toLowerCase()));
  const passes = (node: Node): boolean => {
    if (node.kind === 'id') {
      const id = node.id.toLowerCase();
      return (
        allowed.has(id) ||
        (node.exception !== null && allowed.has(`${id} with ${node.exception.toLowerCase()}`))
      );
    }
    return node.kind === 'and'
      ? passes(node.left) && passes(node.right)
      : passes(node.left) || passes(node.right);
  };
  return passes(tree)
    ? { status: 'pass', reason: `'${license}' is allowed` }
    : { status: 'fail', reason: `'${license}' is not on the allow-list` };
}
