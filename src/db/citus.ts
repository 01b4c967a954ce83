/**
 * Citus: every tenant table distributed by `organization_id` and co-located, the tables that belong to no
 * tenant replicated to every node as reference tables (issue 13, docs/scale-out.md).
 *
 * An explicit, reversible step (`npm run citus -- distribute | undistribute | status`), not a migration: the
 * migrations stay the same on PostgreSQL, PGlite and Citus, and a Citus deployment runs them first (keys
 * are `(organization_id, id)` everywhere, src/common/tenant.entity.ts), then distributes once. Migrations
 * written afterwards run on the coordinator, which propagates DDL to the shards.
 *
 * `status` reports what is distributed. The statements are plain SQL for one transaction; they were worked
 * out on a coordinator with two workers (tests/db/citus.test.ts runs them and checks the routing).
 */
import type { EntityManager } from '@mikro-orm/core';
import { execute } from './sql.js';

/** Replicated to every node: rows that belong to no tenant, or are read across tenants on every request. */
export const REFERENCE_TABLES = [
  'users',
  'organizations', // owner_id → users
  'packages', // the shared catalogue
  'api_keys', // a person's key belongs to no tenant; looked up by prefix on every request
  'web_sessions',
  // a user's memberships are read across organizations by the credential lookup of every request
  'memberships',
] as const;

/** Distributed by organization_id, co-located with `agents`; a referenced table before its referencing ones. */
export const DISTRIBUTED_TABLES = [
  'agents',
  'conversations',
  'messages',
  'memory_logs', // before memories: log_memory_change writes to it
  'memories',
  'memory_tags',
  'validations',
  'findings',
  'package_submissions',
  'package_requests',
  'workflows',
  'check_results',
  'package_usages',
  'license_allowlist',
  'consultation_requests',
  'webhook_deliveries',
] as const;

/** Coordinator-only tables: no tenant key to route by (audit rows of sign-ins name no organization). */
export const LOCAL_TABLES = ['audit_logs', 'sign_in_attempts', 'mikro_orm_migrations'] as const;

const SEARCH_MEMORIES =
  'search_memories(uuid, vector, integer, text[], uuid, uuid, uuid[], uuid, double precision)';

/** The statements that distribute an undistributed schema, for one transaction. */
export function distributeStatements(shardCount = 32): string[] {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 64_000) {
    throw new RangeError(`shard count must be an integer from 1 to 64000, not ${shardCount}`);
  }
  return [
    // triggers on distributed and reference tables are refused without it (checked only for this DDL)
    'set local citus.enable_unsafe_triggers = on',
    // else create_reference_table('organizations') turns every table that reaches it by a foreign key into
    // a "Citus local table", which can then be distributed neither before nor after its parent
    'set local citus.enable_local_reference_table_foreign_keys = off',
    `set local citus.shard_count = ${shardCount}`,
    // copying the existing rows into the placements fires their triggers again: conversations would count
    // every message twice, memories log their creation twice, and a NOTIFY cannot be part of the two-phase
    // commit the copy to several nodes takes
    ...CITUS_TABLES.map((t) => `alter table ${t} disable trigger user`),
    ...REFERENCE_TABLES.map((t) => `select create_reference_table('${t}')`),
    ...DISTRIBUTED_TABLES.map(
      (t, i) =>
        `select create_distributed_table('${t}', 'organization_id', colocate_with => '${i === 0 ? 'none' : DISTRIBUTED_TABLES[0]}')`,
    ),
    ...CITUS_TABLES.map((t) => `alter table ${t} enable trigger user`),
    ...notifyFunctions(true),
    // a search runs where its tenant's shard is, under the function's own planner settings (which keep the
    // ANN index in use), instead of on the coordinator sending each statement on with the defaults
    `select create_distributed_function('${SEARCH_MEMORIES}', 'p_organization_id', colocate_with => 'memories', force_delegation => true)`,
    // the coordinator's shells keep the copied rows on disk, invisible: free them
    `select truncate_local_data_after_distributing_table(t) from unnest(array[${[
      ...REFERENCE_TABLES,
      ...DISTRIBUTED_TABLES,
    ]
      .map((t) => `'${t}'`)
      .join(', ')}]::regclass[]) as t`,
  ];
}

/** The reverse: plain tables on the coordinator again, rows, keys and triggers included. */
export function undistributeStatements(): string[] {
  return [
    'set local citus.enable_unsafe_triggers = on',
    // the tables joined by foreign keys go together; from organizations that is all of them but two
    `select undistribute_table('organizations', cascade_via_foreign_keys => true)`,
    `select undistribute_table('memory_logs')`, // no foreign key reaches it (the history outlives its memory)
    `select undistribute_table('packages')`,
    ...notifyFunctions(false),
  ];
}

/**
 * The two NOTIFY trigger functions (written by the notifications migration), replaced while distributed.
 * On Citus a trigger runs where the rows are: on the worker holding a shard, and on every node holding a
 * copy of a reference table. A NOTIFY on a worker reaches no listener (they listen on the coordinator) and
 * makes the two-phase commit of any transaction that writes to several nodes fail ("cannot PREPARE a
 * transaction that has executed LISTEN, UNLISTEN, or NOTIFY"). So only the coordinator (Citus group 0)
 * notifies: of changes to the reference tables, whose copy it holds; the application sends the notices of
 * changes to distributed tables itself (src/db/coordinator-notices.ts).
 */
function notifyFunctions(coordinatorOnly: boolean): string[] {
  const guard = coordinatorOnly
    ? 'if (select groupid from pg_dist_local_group) <> 0 then return null; end if;\n  '
    : '';
  return [
    `create or replace function notify_auth_change() returns trigger language plpgsql as $$
begin
  ${guard}perform pg_notify('oversight_auth', tg_argv[0] || ':' ||
    (to_jsonb(case when tg_op = 'DELETE' then OLD else NEW end) ->> tg_argv[1]));
  return null;
end $$`,
    `create or replace function notify_work_item_change() returns trigger language plpgsql as $$
declare
  changed jsonb := to_jsonb(case when tg_op = 'DELETE' then OLD else NEW end);
begin
  ${guard}perform pg_notify('oversight_work_items', json_build_object(
    'organizationId', changed ->> 'organization_id', 'kind', tg_argv[0], 'id', changed ->> 'id', 'op', tg_op)::text);
  return null;
end $$`,
  ];
}

/** What Citus knows of each table: 'distributed' (by organization_id), 'reference', or absent (local). */
const DISTRIBUTION_STATUS_SQL = `select logicalrelid::text as "table",
    case partmethod when 'h' then 'distributed' when 'n' then 'reference' else partmethod::text end as kind,
    column_to_column_name(logicalrelid, partkey) as "column", colocationid as "colocation"
  from pg_dist_partition where logicalrelid::text = any(array[?]::text[]) order by 1`;

export const CITUS_TABLES: readonly string[] = [...REFERENCE_TABLES, ...DISTRIBUTED_TABLES];

/** What Citus says of each of our tables; a table it does not list is local to the coordinator. */
export type DistributionRow = { table: string; kind: string; column: string | null; colocation: number };

export const distributionStatus = (em: EntityManager): Promise<DistributionRow[]> =>
  execute<DistributionRow[]>(em, DISTRIBUTION_STATUS_SQL, [CITUS_TABLES]);

/** Runs `distributeStatements` or `undistributeStatements` in one transaction (their `set local` needs one). */
export const runInOneTransaction = (em: EntityManager, statements: string[]): Promise<void> =>
  em.transactional(async (tx) => {
    for (const sql of statements) await execute(tx, sql);
  });
