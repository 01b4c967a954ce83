/**
 * Reads an npm package-lock.json (lockfileVersion 1, 2 or 3) into the distinct packages it installs.
 *
 * - v2/v3: the `packages` map. Keys are install paths (`node_modules/a/node_modules/@scope/b`); the root
 *   (`""`), links (`link: true`) and workspace members (paths outside any node_modules folder) are left out.
 *   The name is the entry's `name` (npm sets it for aliases), else the resolved registry URL's, else the
 *   `npm:` spec of the package that depends on it, else the last path segment.
 * - v1: the `dependencies` tree, nested recursively. Aliases are `version: "npm:real@1.2.3"`; local
 *   (`file:`/`link:`) dependencies are left out.
 * A document nested deeper than MAX_JSON_DEPTH (a v1 tree about half as many dependency levels) or holding a
 * NUL character anywhere (PostgreSQL stores neither the names nor the jsonb copy) is not a lockfile.
 * Pure: no I/O. Throws InvalidInputError (not a lockfile) or RuleViolationError (unsupported version).
 */
import { InvalidInputError, RuleViolationError } from '../../common/errors.js';
import { unstorableJson } from '../../common/values.js';

export const SUPPORTED_LOCKFILE_VERSIONS = [1, 2, 3] as const;
export const MAX_NAME_LENGTH = 214; // npm's own limit
export const MAX_VERSION_LENGTH = 255;

export interface LockedPackage {
  name: string;
  version: string;
  /** SPDX expression (or legacy text) the lockfile records; v1 records none. */
  license: string | null;
  integrity: string | null;
  resolved: string | null;
}

export interface ParsedLockfile {
  lockfileVersion: 1 | 2 | 3;
  projectName: string;
  projectVersion: string | null;
  /** Distinct name@version, in lockfile order. */
  packages: LockedPackage[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

function notALockfile(reason: string): never {
  throw new InvalidInputError(`the body is not a package-lock.json: ${reason}`);
}

/** `license` as npm may record it: a string, a legacy `{ type }` object, or an array of those (OR). */
export function licenseText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (isObject(value)) return str(value.type);
  if (Array.isArray(value)) {
    const parts = value.map(licenseText).filter((x): x is string => x !== null);
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
  }
  return null;
}

/** The package name in a registry tarball URL: `.../@scope/name/-/name-1.0.0.tgz` → `@scope/name`. */
export function nameFromResolved(resolved: string | null): string | null {
  if (!resolved) return null;
  const match = /^https?:\/\/[^/]+\/(?:.*?\/)??(@[^/]+\/[^/]+|[^/]+)\/-\/[^/]+\.tgz(?:[?#].*)?$/.exec(
    resolved,
  );
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!); // a scoped name may come encoded: @scope%2fname
  } catch {
    return null;
  }
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`; null when the path is not inside a node_modules folder. */
export function nameFromPath(path: string): string | null {
  const at = path.lastIndexOf('node_modules/');
  if (at === -1) return null;
  return path.slice(at + 'node_modules/'.length) || null;
}

/** `npm:@scope/real@1.2.3` → { name: '@scope/real', version: '1.2.3' }. */
export function parseAlias(spec: string): { name: string; version: string } | null {
  if (!spec.startsWith('npm:')) return null;
  const rest = spec.slice(4);
  const at = rest.lastIndexOf('@');
  if (at <= 0) return null;
  return { name: rest.slice(0, at), version: rest.slice(at + 1) };
}

class Collector {
  private readonly byKey = new Map<string, LockedPackage>();

  add(where: string, pkg: LockedPackage): void {
    if (pkg.name.length > MAX_NAME_LENGTH || pkg.version.length > MAX_VERSION_LENGTH) {
      notALockfile(`${where}: name or version too long`);
    }
    const key = `${pkg.name}@${pkg.version}`;
    const seen = this.byKey.get(key);
    if (!seen) {
      this.byKey.set(key, pkg);
    } else {
      seen.license ??= pkg.license;
      seen.integrity ??= pkg.integrity;
      seen.resolved ??= pkg.resolved;
    }
  }

  get packages(): LockedPackage[] {
    return [...this.byKey.values()];
  }
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'];

/**
 * The real name of an aliased install path from the spec that asked for it (`"x": "npm:is-number@7"`): the
 * spec of the enclosing package (`a` for `node_modules/a/node_modules/x`, the root for a top-level path).
 */
function aliasedBySpec(packages: Json, path: string, key: string): string | null {
  const parentPath = path.slice(0, path.length - `node_modules/${key}`.length).replace(/\/$/, '');
  const parent = packages[parentPath];
  if (!isObject(parent)) return null;
  for (const field of DEPENDENCY_FIELDS) {
    const deps = parent[field];
    const spec = isObject(deps) ? str(deps[key]) : null;
    if (spec?.startsWith('npm:')) return parseAlias(spec)?.name ?? null;
  }
  return null;
}

function readPackagesMap(packages: Json, out: Collector): void {
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '') continue; // the root project
    if (!isObject(entry)) notALockfile(`packages["${path}"] is not an object`);
    if (entry.link === true) continue; // a symlink to a workspace member or a local folder
    const pathName = nameFromPath(path);
    if (pathName === null) continue; // a workspace member (or a local folder), not an installed package
    const version = str(entry.version);
    if (version === null) continue; // nothing installed at this path (e.g. an unresolved optional dep)
    const resolved = str(entry.resolved);
    const name =
      str(entry.name) ?? nameFromResolved(resolved) ?? aliasedBySpec(packages, path, pathName) ?? pathName;
    out.add(`packages["${path}"]`, {
      name,
      version,
      license: licenseText(entry.license),
      integrity: str(entry.integrity),
      resolved,
    });
  }
}

function readDependenciesTree(dependencies: Json, out: Collector, trail: string): void {
  for (const [key, entry] of Object.entries(dependencies)) {
    const where = `${trail}dependencies["${key}"]`;
    if (!isObject(entry)) notALockfile(`${where} is not an object`);
    const spec = str(entry.version);
    if (spec === null) notALockfile(`${where} has no version`);
    const resolved = str(entry.resolved);
    if (!/^(file|link):/.test(spec)) {
      const alias = parseAlias(spec);
      out.add(where, {
        name: alias?.name ?? key,
        version: alias?.version ?? spec,
        license: null,
        integrity: str(entry.integrity),
        resolved,
      });
    }
    if (entry.dependencies !== undefined) {
      if (!isObject(entry.dependencies)) notALockfile(`${where}.dependencies is not an object`);
      readDependenciesTree(entry.dependencies, out, `${where}.`);
    }
  }
}

export function parseLockfile(doc: unknown): ParsedLockfile {
  if (!isObject(doc)) notALockfile('expected a JSON object');
  const unstorable = unstorableJson(doc);
  if (unstorable !== null) notALockfile(unstorable);
  const version = doc.lockfileVersion;
  if (version === undefined) notALockfile('it has no lockfileVersion');
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    notALockfile('lockfileVersion is not an integer');
  }
  if (!(SUPPORTED_LOCKFILE_VERSIONS as readonly number[]).includes(version)) {
    throw new RuleViolationError(
      `lockfileVersion ${version} is not supported (supported: ${SUPPORTED_LOCKFILE_VERSIONS.join(', ')})`,
      { field: 'lockfileVersion' },
    );
  }
  const root = isObject(doc.packages) && isObject(doc.packages['']) ? doc.packages[''] : {};
  const projectName = str(doc.name) ?? str(root.name);
  if (projectName === null) notALockfile('it has no project name');
  if (projectName.length > 255) notALockfile('the project name is longer than 255 characters');
  const projectVersion = str(doc.version) ?? str(root.version);

  const out = new Collector();
  if (version === 1) {
    if (doc.dependencies !== undefined && !isObject(doc.dependencies)) {
      notALockfile('dependencies is not an object');
    }
    readDependenciesTree(isObject(doc.dependencies) ? doc.dependencies : {}, out, '');
  } else {
    if (!isObject(doc.packages)) notALockfile(`lockfileVersion ${version} needs a packages object`);
    readPackagesMap(doc.packages, out);
  }
  return {
    lockfileVersion: version as 1 | 2 | 3,
    projectName,
    projectVersion: projectVersion && projectVersion.length <= 100 ? projectVersion : null,
    packages: out.packages,
  };
}
