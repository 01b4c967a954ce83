import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 10 (the seed audit), in one step:
 * - item 11: `set_updated_at_memory` skips only pure access bookkeeping (access_count, last_accessed_at);
 *   it used to skip every update that changed access_count, even one that also changed the content;
 * - item 12: `log_memory_change` stamps each entry with the instant the memory row records for it (a
 *   creation no later than created_at, an update at its updated_at, strictly after the previous entry),
 *   and `reconstruct_memory_at` also answers at created_at for creations logged before this change;
 * - item 14: owner_id repaired where it no longer names a live owner (the services keep it true now);
 * - item 15: `api_keys.permissions` is dropped: nothing read or wrote it (see the README);
 * - item 17: an index for the conversation retention job;
 * - item 18: `license_allowlist.created_by_id` takes back the seed's name `created_by`.
 * The trigger WHEN clause and the function are hand-written (the generator does not diff raw trigger DDL
 * and ignores routines); the rest is `migration:create` output.
 */

const SET_UPDATED_AT_MEMORY_BEFORE = `create trigger "set_updated_at_memory" before update on "memories" for each row when (OLD.access_count is not distinct from NEW.access_count) execute function trigger_set_updated_at();`;

/** Every column of memories except updated_at and the access bookkeeping, as of this migration. */
const CONTENT_COLUMNS = [
  ...['id', 'created_at', 'organization_id', 'agent_id', 'user_id', 'memory_type', 'content', 'subject'],
  ...['embedding', 'importance', 'confidence', 'is_pinned', 'source_type', 'source_conversation_id'],
  ...['source_message_ids', 'extraction_model', 'version', 'superseded_by', 'contradicts', 'related_to'],
  ...['metadata', 'tier', 'status', 'expires_at'],
];
const row = (alias: 'OLD' | 'NEW') => `(${CONTENT_COLUMNS.map((c) => `${alias}.${c}`).join(', ')})`;

const SET_UPDATED_AT_MEMORY_AFTER =
  `create trigger "set_updated_at_memory" before update on "memories" for each row when (` +
  `(OLD.access_count, OLD.last_accessed_at) is not distinct from (NEW.access_count, NEW.last_accessed_at) ` +
  `or ${row('OLD')} is distinct from ${row('NEW')}) execute function trigger_set_updated_at();`;

const RECONSTRUCT_BEFORE = `create or replace function reconstruct_memory_at(p_memory_id uuid, p_timestamp timestamptz)
returns table (memory_id uuid, content text, importance integer, tier memory_tier, status memory_status, valid_from timestamptz)
language sql stable as $$
  select l.memory_id, l.new_content, l.new_importance, l.new_tier, l.new_status, l.created_at
  from (
    select ml.* from memory_logs ml
    where ml.memory_id = p_memory_id and ml.created_at <= p_timestamp
    order by ml.created_at desc, ml.id desc
    limit 1
  ) l
  where l.action <> 'deleted'
$$;`;

// A creation logged after the memory's created_at (before this migration the log was stamped with the
// clock at the insert) counts from created_at, as long as the memory still exists to say when that was.
const RECONSTRUCT_AFTER = `create or replace function reconstruct_memory_at(p_memory_id uuid, p_timestamp timestamptz)
returns table (memory_id uuid, content text, importance integer, tier memory_tier, status memory_status, valid_from timestamptz)
language sql stable as $$
  select l.memory_id, l.new_content, l.new_importance, l.new_tier, l.new_status, l.valid_from
  from (
    select e.* from (
      select ml.*, case when ml.action = 'created'
          then least(ml.created_at, coalesce((select m.created_at from memories m where m.id = ml.memory_id), ml.created_at))
          else ml.created_at end as valid_from
      from memory_logs ml
      where ml.memory_id = p_memory_id
    ) e
    where e.valid_from <= p_timestamp
    order by e.valid_from desc, e.id desc
    limit 1
  ) l
  where l.action <> 'deleted'
$$;`;

// Item 14: owner_id names a live account holding the owner role. Organizations where it no longer does
// (its holder left, was demoted or deleted the account before the services kept it) get the
// longest-standing live owner. Not undone by down(): the repaired values are valid under both versions.
const REPAIR_OWNER_ID = `update organizations o set owner_id = (
    select m.user_id from memberships m join users u on u.id = m.user_id
    where m.organization_id = o.id and m.role = 'owner' and u.deleted_at is null and u.is_active
    order by m.created_at, m.id limit 1)
  where not exists (
    select 1 from memberships m join users u on u.id = m.user_id
    where m.organization_id = o.id and m.user_id = o.owner_id and m.role = 'owner'
      and u.deleted_at is null and u.is_active)
  and exists (
    select 1 from memberships m join users u on u.id = m.user_id
    where m.organization_id = o.id and m.role = 'owner' and u.deleted_at is null and u.is_active);`;

export class Migration20261202032712_audit extends Migration {
  override name = 'Migration20261202032712_audit';

  override up(): void | Promise<void> {
    this.addSql(`alter table "license_allowlist" drop constraint "license_allowlist_created_by_id_foreign";`);

    this.addSql(`alter table "license_allowlist" rename column "created_by_id" to "created_by";`);
    this.addSql(
      `alter table "license_allowlist" add constraint "license_allowlist_created_by_foreign" foreign key ("created_by") references "users" ("id") on delete set null;`,
    );

    this.addSql(
      `create index "conversations_retention_index" on "conversations" ("organization_id", (coalesce(last_message_at, created_at)));`,
    );

    this.addSql(`drop trigger if exists "log_memory_change" on "memories";`);
    this.addSql(`drop function if exists "memories_log_memory_change_fn"();`);
    this
      .addSql(`create or replace function "memories_log_memory_change_fn"() returns trigger as \$\$ begin if tg_op = 'INSERT' then
    insert into memory_logs (memory_id, action, new_content, new_importance, new_tier, new_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
    values (NEW.id, 'created', NEW.content, NEW.importance, NEW.tier, NEW.status,
      coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
      nullif(current_setting('oversight.reason', true), ''), NEW.source_conversation_id, NEW.related_to,
      date_trunc('milliseconds', least(NEW.created_at, clock_timestamp())));     return NEW;   elsif tg_op = 'UPDATE' then
    if NEW.content is distinct from OLD.content or NEW.importance is distinct from OLD.importance
      or NEW.tier is distinct from OLD.tier or NEW.status is distinct from OLD.status then
      insert into memory_logs (memory_id, action, old_content, new_content, old_importance, new_importance, old_tier, new_tier, old_status, new_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
      values (NEW.id, 'updated', OLD.content, NEW.content, OLD.importance, NEW.importance, OLD.tier, NEW.tier, OLD.status, NEW.status,
        coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
        nullif(current_setting('oversight.reason', true), ''), NEW.source_conversation_id,
        array_remove(array[NEW.superseded_by], null),
        greatest(date_trunc('milliseconds', least(NEW.updated_at, clock_timestamp())),
          (select max(created_at) + interval '1 millisecond' from memory_logs where memory_id = NEW.id)));     end if;     return NEW;   else
    insert into memory_logs (memory_id, action, old_content, old_importance, old_tier, old_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
    values (OLD.id, 'deleted', OLD.content, OLD.importance, OLD.tier, OLD.status,
      coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
      nullif(current_setting('oversight.reason', true), ''), OLD.source_conversation_id, '{}',
      greatest(date_trunc('milliseconds', clock_timestamp()),
        (select max(created_at) + interval '1 millisecond' from memory_logs where memory_id = OLD.id)));     return OLD;   end if; end; \$\$ language plpgsql;`);
    this.addSql(
      `create trigger "log_memory_change" AFTER INSERT OR UPDATE OR DELETE on "memories" for each ROW execute function "memories_log_memory_change_fn"();`,
    );

    this.addSql(`alter table "api_keys" drop column "permissions";`);

    this.addSql(`drop trigger if exists "set_updated_at_memory" on "memories";`);
    this.addSql(SET_UPDATED_AT_MEMORY_AFTER);
    this.addSql(RECONSTRUCT_AFTER);
    this.addSql(REPAIR_OWNER_ID);
  }

  override down(): void | Promise<void> {
    this.addSql(RECONSTRUCT_BEFORE);
    this.addSql(`drop trigger if exists "set_updated_at_memory" on "memories";`);
    this.addSql(SET_UPDATED_AT_MEMORY_BEFORE);

    this.addSql(`alter table "license_allowlist" drop constraint "license_allowlist_created_by_foreign";`);

    this.addSql(`alter table "api_keys" add "permissions" jsonb not null default '{}';`);

    this.addSql(`drop index "conversations_retention_index";`);

    this.addSql(`alter table "license_allowlist" rename column "created_by" to "created_by_id";`);
    this.addSql(
      `alter table "license_allowlist" add constraint "license_allowlist_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update no action on delete set null;`,
    );

    this.addSql(`drop trigger if exists "log_memory_change" on "memories";`);
    this.addSql(`drop function if exists "memories_log_memory_change_fn"();`);
    this
      .addSql(`create or replace function "memories_log_memory_change_fn"() returns trigger as \$\$ begin if tg_op = 'INSERT' then
    insert into memory_logs (memory_id, action, new_content, new_importance, new_tier, new_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
    values (NEW.id, 'created', NEW.content, NEW.importance, NEW.tier, NEW.status,
      coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
      nullif(current_setting('oversight.reason', true), ''), NEW.source_conversation_id, NEW.related_to, clock_timestamp());     return NEW;   elsif tg_op = 'UPDATE' then
    if NEW.content is distinct from OLD.content or NEW.importance is distinct from OLD.importance
      or NEW.tier is distinct from OLD.tier or NEW.status is distinct from OLD.status then
      insert into memory_logs (memory_id, action, old_content, new_content, old_importance, new_importance, old_tier, new_tier, old_status, new_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
      values (NEW.id, 'updated', OLD.content, NEW.content, OLD.importance, NEW.importance, OLD.tier, NEW.tier, OLD.status, NEW.status,
        coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
        nullif(current_setting('oversight.reason', true), ''), NEW.source_conversation_id,
        array_remove(array[NEW.superseded_by], null), clock_timestamp());     end if;     return NEW;   else
    insert into memory_logs (memory_id, action, old_content, old_importance, old_tier, old_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
    values (OLD.id, 'deleted', OLD.content, OLD.importance, OLD.tier, OLD.status,
      coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
      nullif(current_setting('oversight.reason', true), ''), OLD.source_conversation_id, '{}', clock_timestamp());     return OLD;   end if; end; \$\$ language plpgsql;`);
    this.addSql(
      `create trigger "log_memory_change" AFTER DELETE OR INSERT OR UPDATE on "memories" for each ROW execute function "memories_log_memory_change_fn"();`,
    );
  }
}
