/**
 * The tenant key of every tenant-owned table (issue 13).
 *
 * A tenant table's primary key is `(organization_id, id)`, in that order, and a relation between two
 * tenant tables is a composite foreign key `(organization_id, x_id) → x (organization_id, id)` that shares
 * the row's own `organization_id`: a row can only point at a row of its own tenant, and on Citus every
 * tenant table is distributed by `organization_id` and co-located, so a tenant's rows, joins and foreign
 * keys stay on one shard. Ids stay UUIDv7, unique on their own; `organization_id` leads the key so a
 * tenant's rows are found, and routed, by it.
 *
 * Such a foreign key cannot `SET NULL` (it would null the row's own tenant); a nullable relation between
 * tenant tables is `NO ACTION` and the service that deletes the target clears it first. It never
 * `CASCADE`s an update: keys do not change.
 */
import { p } from '@mikro-orm/core';
import { Organization } from '../modules/identity/organization.entity.js';

/** `organization`: the first column of the primary key, deleted with its organization. */
export const tenantKey = () => p.manyToOne(Organization).ref().primary().deleteRule('cascade');

/** What `inTenant` needs of a relation's property builder (MikroORM's chain, structurally). */
interface TenantJoinable<Chain> {
  joinColumns(...columns: string[]): {
    referencedColumnNames(...columns: string[]): { updateRule(rule: 'no action'): Chain };
  };
}

/**
 * A relation to another tenant table whose own key column is `column` (e.g. `agent_id`): the composite
 * foreign key `(organization_id, column) → (organization_id, id)`, sharing the row's `organization_id`.
 */
export const inTenant = <Chain>(relation: TenantJoinable<Chain>, column: string): Chain =>
  relation
    .joinColumns('organization_id', column)
    .referencedColumnNames('organization_id', 'id')
    .updateRule('no action');
