import { sql, type EntityManager } from '@mikro-orm/core';
import { ConflictError, NotFoundError } from '../../common/errors.js';
import { actorOf, requireRole, type Caller } from '../identity/access.js';
import { AuditLog } from '../identity/audit-log.entity.js';
import { Organization } from '../identity/organization.entity.js';
import { LicenseAllowlist } from './license-allowlist.entity.js';

export interface AllowlistCreate {
  licenseIdentifier: string;
  licenseName: string;
  description?: string | null;
  isActive?: boolean;
}

export type AllowlistPatch = Partial<Omit<AllowlistCreate, 'licenseIdentifier'>>;

const snapshot = (e: LicenseAllowlist) => ({
  licenseIdentifier: e.licenseIdentifier,
  licenseName: e.licenseName,
  description: e.description ?? null,
  isActive: e.isActive,
});

/** The organization's license allow-list: everyone reads it, admins and owners change it (audited). */
export class LicenseAllowlistService {
  constructor(private readonly em: EntityManager) {}

  async list(caller: Caller, filter: { active?: boolean }): Promise<LicenseAllowlist[]> {
    requireRole(caller, 'viewer');
    return this.em.find(
      LicenseAllowlist,
      {
        organization: caller.organizationId,
        ...(filter.active !== undefined && { isActive: filter.active }),
      },
      { orderBy: { licenseIdentifier: 'asc', id: 'asc' } },
    );
  }

  async create(caller: Caller, input: AllowlistCreate): Promise<LicenseAllowlist> {
    requireRole(caller, 'admin');
    const taken = await this.em.findOne(LicenseAllowlist, {
      organization: caller.organizationId,
      [sql.lower('license_identifier')]: input.licenseIdentifier.toLowerCase(),
    });
    if (taken) {
      throw new ConflictError(`'${taken.licenseIdentifier}' is already on the allow-list`, {
        field: 'licenseIdentifier',
        id: taken.id,
      });
    }
    const entry = this.em.create(LicenseAllowlist, {
      organization: this.em.getReference(Organization, caller.organizationId),
      licenseIdentifier: input.licenseIdentifier,
      licenseName: input.licenseName,
      description: input.description ?? null,
      isActive: input.isActive ?? true,
      createdBy: caller.userId,
    });
    this.audit(caller, 'license_allowlist.created', entry, null, snapshot(entry));
    await this.em.flush();
    return entry;
  }

  async update(caller: Caller, id: string, patch: AllowlistPatch): Promise<LicenseAllowlist> {
    requireRole(caller, 'admin');
    const entry = await this.em.findOne(LicenseAllowlist, { id, organization: caller.organizationId });
    if (!entry) throw new NotFoundError('LicenseAllowlist', id);
    const before = snapshot(entry);
    if (patch.licenseName !== undefined) entry.licenseName = patch.licenseName;
    if (patch.description !== undefined) entry.description = patch.description;
    if (patch.isActive !== undefined) entry.isActive = patch.isActive;
    this.audit(caller, 'license_allowlist.updated', entry, before, snapshot(entry));
    await this.em.flush();
    return entry;
  }

  async remove(caller: Caller, id: string): Promise<void> {
    requireRole(caller, 'admin');
    const entry = await this.em.findOne(LicenseAllowlist, { id, organization: caller.organizationId });
    if (!entry) throw new NotFoundError('LicenseAllowlist', id);
    this.audit(caller, 'license_allowlist.deleted', entry, snapshot(entry), null);
    this.em.remove(entry);
    await this.em.flush();
  }

  private audit(
    caller: Caller,
    action: string,
    entry: LicenseAllowlist,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
  ): void {
    this.em.getRepository(AuditLog).record(actorOf(caller), {
      organizationId: caller.organizationId,
      action,
      resourceType: 'license_allowlist',
      resourceId: entry.id,
      details: { before, after },
    });
  }
}
