import {
  EntityRepository,
  LockMode,
  type EntityData,
  type FindOneOptions,
  type RequiredEntityData,
} from '@mikro-orm/core';
import { NotFoundError } from './errors.js';

/**
 * A fresh read `FOR UPDATE`. Filters off: the users' soft-delete filter would inner-join an organization's
 * owner into the locking query, locking the user row too, and once the lock is granted PostgreSQL
 * re-checks that join against the user row as it was, so an organization whose owner_id had just moved
 * read as not found. (A row hidden by a filter of its own is found too: callers lock what they found.)
 */
const FOR_UPDATE = { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, filters: false } as const;

// Populate hints are checked by the callers' own types; the base accepts any of them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHint = any;

/**
 * Generic unit-of-work CRUD used by every context (seed 004 FR-8). Nothing here flushes: the caller's
 * unit of work (one per request) decides when changes reach the database, in one transaction.
 */
export class BaseRepository<T extends { id: string }> extends EntityRepository<T> {
  /** Human name of the entity, for error messages. */
  protected get label(): string {
    return this.getEntityName().toString();
  }

  getById(id: string, options?: FindOneOptions<T, AnyHint>): Promise<T | null> {
    return this.findOne({ id } as never, options as FindOneOptions<T, never>) as Promise<T | null>;
  }

  /** Like `getById`, but a missing row is a typed `NotFoundError` (404). */
  async getByIdOrFail(id: string, options?: FindOneOptions<T, AnyHint>): Promise<T> {
    const entity = await this.getById(id, options);
    if (!entity) throw new NotFoundError(this.label, id);
    return entity;
  }

  /** Tenant-scoped lookup: a row of another organization is reported as not found, never as forbidden. */
  async getInOrganization(
    organizationId: string,
    id: string,
    options?: FindOneOptions<T, AnyHint>,
  ): Promise<T> {
    const entity = (await this.findOne(
      { id, organization: organizationId } as never,
      options as FindOneOptions<T, never>,
    )) as T | null;
    if (!entity) throw new NotFoundError(this.label, id);
    return entity;
  }

  /**
   * Inside a transaction: locks the row (`SELECT … FOR UPDATE`) and reads it again, so a change that reads,
   * checks and writes it queues behind any other one instead of overwriting it.
   */
  lockById(id: string): Promise<T> {
    return this.getByIdOrFail(id, FOR_UPDATE);
  }

  /** `lockById`, tenant-scoped: a row of another organization is not found. */
  lockInOrganization(organizationId: string, id: string): Promise<T> {
    return this.getInOrganization(organizationId, id, FOR_UPDATE);
  }

  /** Creates a managed entity; it is inserted at the next flush. */
  override create(data: RequiredEntityData<T>): T {
    return super.create(data);
  }

  /** Applies changes to a managed entity; they are written at the next flush. */
  update(entity: T, data: EntityData<T>): T {
    return this.assign(entity, data as never);
  }

  /** Schedules removal; it happens at the next flush. */
  delete(entity: T): void {
    this.getEntityManager().remove(entity);
  }
}
