/**
 * Shared property builders for every entity.
 *
 * Ids are UUIDv7, generated in the application when the entity is created (so the identity map and
 * relations know the id before flush); the database default `gen_random_uuid()` still serves raw inserts.
 * `created_at` defaults to now() in the database; `updated_at` is kept by the ORM and, where the seeds
 * ask for it, by a `set_updated_at_*` trigger as well.
 */
import { p } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';

export const newId = (): string => uuidv7();

export const idProperty = () =>
  p
    .uuid()
    .primary()
    .onCreate(() => uuidv7())
    .defaultRaw('gen_random_uuid()');

export const createdAtProperty = () =>
  p
    .datetime()
    .columnType('timestamptz')
    .defaultRaw('now()')
    .onCreate(() => new Date());

export const updatedAtProperty = () =>
  p
    .datetime()
    .columnType('timestamptz')
    .defaultRaw('now()')
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

export const timestamptz = () => p.datetime().columnType('timestamptz');

/** `{ id, createdAt, updatedAt }`, spread into an entity's properties. */
export const baseProperties = () => ({
  id: idProperty(),
  createdAt: createdAtProperty(),
  updatedAt: updatedAtProperty(),
});

/**
 * Seed 004 FR-7: a `BEFORE UPDATE` trigger that runs the shared `trigger_set_updated_at()` function
 * (written by the agents migration). `when` optionally narrows the updates that count as changes.
 */
export const setUpdatedAtTrigger = (name: string, table: string, when?: string) => ({
  name,
  timing: 'before' as const,
  events: ['update' as const],
  expression:
    `create trigger "${name}" before update on "${table}" for each row ` +
    `${when ? `when (${when}) ` : ''}execute function trigger_set_updated_at()`,
});
