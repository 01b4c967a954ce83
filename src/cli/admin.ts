/**
 * Bootstrap commands for a real deployment (`npm run admin -- <command> [options]`):
 *
 *   create-org --name NAME --slug SLUG --owner-email EMAIL [--owner-name NAME] [--tier TIER] [--password-stdin]
 *   mint-key   --email EMAIL [--org SLUG] [--name NAME] [--scopes read,write,admin] [--expires-days N]
 *   set-tier   (--org SLUG | --email EMAIL) --tier free|starter|pro|business
 *
 * `runAdmin` takes the ORM explicitly so tests can drive it; `src/admin.ts` wires it to the settings.
 */
import type { MikroORM } from '@mikro-orm/core';
import { parseArgs } from 'node:util';
import { InvalidInputError, NotFoundError } from '../common/errors.js';
import { ApiKeyService, checkKeyInput } from '../modules/identity/api-key.service.js';
import { AuditLog } from '../modules/identity/audit-log.entity.js';
import { API_KEY_SCOPES, TIERS, type ApiKeyScope, type Tier } from '../modules/identity/enums.js';
import { Membership } from '../modules/identity/membership.entity.js';
import { Organization } from '../modules/identity/organization.entity.js';
import { OrganizationService } from '../modules/identity/organization.service.js';
import { User } from '../modules/identity/user.entity.js';
import { UserService } from '../modules/identity/user.service.js';

export const ADMIN_USAGE = `usage:
  npm run admin -- create-org --name NAME --slug SLUG --owner-email EMAIL [--owner-name NAME] [--tier free|starter|pro|business] [--password-stdin]
  npm run admin -- mint-key --email EMAIL [--org SLUG] [--name NAME] [--scopes read,write,admin] [--expires-days N]
  npm run admin -- set-tier (--org SLUG | --email EMAIL) --tier free|starter|pro|business`;

export interface AdminIo {
  print(line: string): void;
  /** Reads the password for --password-stdin. */
  readSecret(): Promise<string>;
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '')
    throw new InvalidInputError(`--${name} is required\n${ADMIN_USAGE}`);
  return value;
}

export async function runAdmin(argv: string[], orm: MikroORM, io: AdminIo): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      name: { type: 'string' },
      slug: { type: 'string' },
      'owner-email': { type: 'string' },
      'owner-name': { type: 'string' },
      tier: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      email: { type: 'string' },
      org: { type: 'string' },
      scopes: { type: 'string' },
      'expires-days': { type: 'string' },
    },
  });
  const em = orm.em.fork();

  if (command === 'create-org') {
    const tier = (values.tier ?? 'free') as Tier;
    if (!TIERS.includes(tier)) throw new InvalidInputError(`--tier must be one of ${TIERS.join(', ')}`);
    const email = required(values, 'owner-email');
    const password = values['password-stdin'] ? (await io.readSecret()).trim() : undefined;
    await em.transactional(async (tem) => {
      const owner =
        (await tem.getRepository(User).findByEmail(email)) ??
        (await new UserService(tem).createUser({
          email,
          password: password ?? null,
          displayName: values['owner-name'] ?? null,
        }));
      await tem.flush();
      const organization = await new OrganizationService(tem).createWithOwner(null, owner, {
        name: required(values, 'name'),
        slug: required(values, 'slug'),
        tier,
      });
      io.print(
        `organization ${organization.slug} (${organization.id}) created; owner ${owner.email} (${owner.id})`,
      );
    });
    return;
  }

  if (command === 'mint-key') {
    const email = required(values, 'email');
    const scopes = (values.scopes ?? 'read,write,admin').split(',').map((s) => s.trim()) as ApiKeyScope[];
    const unknown = scopes.filter((s) => !API_KEY_SCOPES.includes(s));
    if (unknown.length)
      throw new InvalidInputError(
        `unknown scope(s): ${unknown.join(', ')}; allowed: ${API_KEY_SCOPES.join(', ')}`,
      );
    const days = values['expires-days'] !== undefined ? Number(values['expires-days']) : undefined;
    if (days !== undefined && !(Number.isInteger(days) && days > 0)) {
      throw new InvalidInputError('--expires-days must be a positive whole number');
    }
    const user = await em.getRepository(User).findByEmail(email);
    if (!user) throw new NotFoundError('User', email);
    let organization: Organization | null = null;
    if (values.org) {
      organization = await em.getRepository(Organization).findBySlug(values.org);
      if (!organization || !(await em.getRepository(Membership).findFor(user.id, organization.id))) {
        throw new NotFoundError('Organization', values.org);
      }
    }
    const name = values.name ?? 'admin command';
    const expiresAt = days ? new Date(Date.now() + days * 86_400_000) : null;
    checkKeyInput({ name, expiresAt });
    const minted = new ApiKeyService(em).mintFor(
      { userId: user.id, agentId: null, apiKeyId: null },
      { name, user, organization, scopes, expiresAt },
    );
    await em.flush();
    io.print(
      `API key for ${user.email}${organization ? ` in ${organization.slug}` : ''} (shown once, store it now):`,
    );
    io.print(minted.key);
    return;
  }

  if (command === 'set-tier') {
    // Tiers are commercial: the operator sets them, members cannot upgrade themselves over HTTP.
    const tier = required(values, 'tier') as Tier;
    if (!TIERS.includes(tier)) throw new InvalidInputError(`--tier must be one of ${TIERS.join(', ')}`);
    const target = values.org
      ? await em.getRepository(Organization).findBySlug(values.org)
      : await em.getRepository(User).findByEmail(required(values, 'email'));
    if (!target) throw new NotFoundError(values.org ? 'Organization' : 'User', values.org ?? values.email);
    const before = target.tier;
    target.tier = tier;
    em.getRepository(AuditLog).record(
      { userId: null, agentId: null, apiKeyId: null },
      {
        organizationId: target instanceof Organization ? target.id : null,
        action: target instanceof Organization ? 'organization.tier_changed' : 'user.tier_changed',
        resourceType: target instanceof Organization ? 'organization' : 'user',
        resourceId: target.id,
        details: { before: { tier: before }, after: { tier }, by: 'admin command' },
      },
    );
    await em.flush();
    io.print(`tier of ${values.org ?? values.email}: ${before} -> ${tier}`);
    return;
  }

  throw new InvalidInputError(`unknown command '${command ?? ''}'\n${ADMIN_USAGE}`);
}
