import { Migration } from '@mikro-orm/migrations';

/**
 * Seed 004 (agents, conversations, messages, memories, memory_logs, memory_tags): tables, the six new
 * native enums, FR-5 indexes (the ANN index is HNSW, see docs/agents.md), and the hand-written FR-6
 * functions the generated triggers call. pgvector must be installed on the server (EC-3).
 */

/**
 * Fails with an explanation when the extension is not installed on the server (EC-3), or when the version
 * that is (or would be) in place is older than `minimum`: vector search sets `hnsw.iterative_scan` and
 * `ivfflat.iterative_scan`, which pgvector has since 0.8.0. Exported so the test suite can run the same
 * guard against an extension name that does not exist and a minimum no version meets.
 */
export const pgvectorGuardSql = (extension = 'vector', minimum = '0.8.0') => `do $$
declare
  installed text := (select extversion from pg_extension where extname = '${extension}');
  available text := (select default_version from pg_available_extensions where name = '${extension}');
  version text := coalesce(installed, available);
  parts int[] := string_to_array(substring(coalesce(version, '0') from '^[0-9]+(?:\.[0-9]+)*'), '.')::int[];
  wanted int[] := string_to_array('${minimum}', '.')::int[];
begin
  if available is null and installed is null then
    raise exception 'pgvector is not installed on this PostgreSQL server (extension "${extension}" is not available). Install it first, e.g. apt-get install postgresql-<major>-pgvector, brew install pgvector, or build it from https://github.com/pgvector/pgvector#installation, then run the migrations again. With PGlite, load it: PGlite.create({ extensions: { vector } }) from @electric-sql/pglite-pgvector.'
      using errcode = 'feature_not_supported';
  end if;
  if (coalesce(parts[1], 0), coalesce(parts[2], 0), coalesce(parts[3], 0))
     < (coalesce(wanted[1], 0), coalesce(wanted[2], 0), coalesce(wanted[3], 0)) then
    raise exception 'pgvector % is %, Oversight needs ${minimum} or later (iterative index scans). Install pgvector ${minimum} or later (the PGDG package postgresql-<major>-pgvector, brew upgrade pgvector, or a build of v${minimum}+ from https://github.com/pgvector/pgvector#installation)%, then run the migrations again.',
      version, case when installed is not null then 'installed in this database' else 'the version this server offers' end,
      case when installed is not null then ' and run ALTER EXTENSION ${extension} UPDATE in this database' else '' end
      using errcode = 'feature_not_supported';
  end if;
end $$;`;

const FUNCTIONS_BEFORE_TABLES = [
  // FR-6: keeps updated_at on every UPDATE (triggers set_updated_at_user/team/agent/conversation/memory)
  `create or replace function trigger_set_updated_at() returns trigger language plpgsql as $$
begin
  NEW.updated_at = now();
  return NEW;
end $$;`,
  // FR-6: message_count, last_message_at and token totals of the conversation on every new message;
  // assistant tokens count as output, every other role's as input; an idle conversation becomes active.
  `create or replace function trigger_update_conversation_stats() returns trigger language plpgsql as $$
begin
  update conversations set
    message_count = message_count + 1,
    last_message_at = greatest(coalesce(last_message_at, NEW.created_at), NEW.created_at),
    total_input_tokens = total_input_tokens + case when NEW.role = 'assistant' then 0 else coalesce(NEW.token_count, 0) end,
    total_output_tokens = total_output_tokens + case when NEW.role = 'assistant' then coalesce(NEW.token_count, 0) else 0 end,
    status = case when status = 'idle' then 'active'::conversation_status else status end
  where id = NEW.conversation_id;
  return NEW;
end $$;`,
];

const FUNCTIONS_AFTER_TABLES = [
  // FR-6: records that memories were read (by vector search); returns how many rows it touched.
  `create or replace function update_memory_access(memory_ids uuid[]) returns integer language plpgsql as $$
declare
  touched integer;
begin
  update memories set access_count = access_count + 1, last_accessed_at = now() where id = any(memory_ids);
  get diagnostics touched = row_count;
  return touched;
end $$;`,
  // FR-6: the memory as it was at p_timestamp, from its append-only log; no row when it did not exist.
  `create or replace function reconstruct_memory_at(p_memory_id uuid, p_timestamp timestamptz)
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
$$;`,
];

export class Migration20261127115036_agents extends Migration {
  override name = 'Migration20261127115036_agents';

  override up(): void | Promise<void> {
    this.addSql(pgvectorGuardSql());
    this.addSql('create extension if not exists vector;');
    for (const sql of FUNCTIONS_BEFORE_TABLES) this.addSql(sql);

    this.addSql(`create type "memory_tier" as enum ('hot', 'warm', 'cold');`);
    this.addSql(`create type "memory_status" as enum ('active', 'superseded', 'archived', 'disputed');`);
    this.addSql(`create type "conversation_status" as enum ('active', 'idle', 'closed');`);
    this.addSql(`create type "message_role" as enum ('user', 'assistant', 'system', 'tool');`);
    this.addSql(
      `create type "memory_type_enum" as enum ('semantic', 'episodic', 'procedural', 'agent_private', 'shared', 'identity', 'user_profile');`,
    );
    this.addSql(
      `create type "memory_source" as enum ('extraction', 'explicit', 'system', 'feedback', 'consolidation', 'compaction');`,
    );
    this.addSql(
      `create table "memory_logs" ("id" uuid not null default gen_random_uuid(), "memory_id" uuid not null, "action" text not null, "old_content" text null, "new_content" text null, "old_importance" int null, "new_importance" int null, "old_tier" "memory_tier" null, "new_tier" "memory_tier" null, "old_status" "memory_status" null, "new_status" "memory_status" null, "changed_by" text null, "reason" text null, "conversation_id" uuid null, "related_memory_ids" uuid[] not null default '{}', "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "memory_logs_memory_id_created_at_index" on "memory_logs" ("memory_id", "created_at");`,
    );
    this.addSql(`create index "memory_logs_created_at_index" on "memory_logs" ("created_at");`);

    this.addSql(
      `create table "conversations" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "agent_id" uuid not null, "user_id" uuid null, "title" varchar(500) null, "status" "conversation_status" not null default 'active', "message_count" int not null default 0, "total_input_tokens" int not null default 0, "total_output_tokens" int not null default 0, "summary" text null, "metadata" jsonb not null default '{}', "last_message_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "conversations_organization_id_index" on "conversations" ("organization_id");`);
    this.addSql(`create index "conversations_agent_id_index" on "conversations" ("agent_id");`);
    this.addSql(`create index "conversations_user_id_index" on "conversations" ("user_id");`);
    this.addSql(
      `create index "conversations_active_index" on "conversations" ("organization_id", "last_message_at") where status = 'active';`,
    );

    this.addSql(
      `create table "messages" ("id" uuid not null default gen_random_uuid(), "conversation_id" uuid not null, "agent_id" uuid null, "role" "message_role" not null, "content" text not null, "tool_calls" jsonb null, "tool_results" jsonb null, "token_count" int null, "model" text null, "feedback_rating" text null, "feedback_comment" text null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "messages_agent_id_index" on "messages" ("agent_id");`);
    this.addSql(
      `create index "messages_conversation_id_created_at_index" on "messages" ("conversation_id", "created_at");`,
    );

    this.addSql(
      `create table "memories" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "agent_id" uuid null, "user_id" uuid null, "memory_type" "memory_type_enum" not null, "content" text not null, "subject" text null, "embedding" vector(1536) null, "importance" int not null default 5, "confidence" double precision not null default 1, "access_count" int not null default 0, "is_pinned" boolean not null default false, "source_type" "memory_source" not null default 'explicit', "source_conversation_id" uuid null, "source_message_ids" uuid[] not null default '{}', "extraction_model" text null, "version" int not null default 1, "superseded_by" uuid null, "contradicts" uuid[] not null default '{}', "related_to" uuid[] not null default '{}', "metadata" jsonb not null default '{}', "tier" "memory_tier" not null default 'warm', "status" "memory_status" not null default 'active', "last_accessed_at" timestamptz null, "expires_at" timestamptz null, primary key ("id"));`,
    );
    // Room on each page so that recording an access (update_memory_access) is a HOT update: no new
    // entries in the 1536-d ANN index for an unchanged embedding.
    this.addSql('alter table "memories" set (fillfactor = 80);');
    this.addSql(
      `create index "memories_organization_type_active_index" on "memories" ("organization_id", "memory_type") where status = 'active';`,
    );
    this.addSql(
      `create index "memories_agent_index" on "memories" ("agent_id", "memory_type") where agent_id is not null;`,
    );
    this.addSql(
      `create index "memories_user_profile_index" on "memories" ("organization_id", "user_id") where memory_type = 'user_profile';`,
    );
    this.addSql(
      `create index "memories_recency_index" on "memories" ("organization_id", "created_at") where status = 'active';`,
    );
    this.addSql(
      `create index "memories_importance_index" on "memories" ("organization_id", "importance") where status = 'active';`,
    );
    this.addSql(
      `create index "memories_subject_index" on "memories" ("organization_id", "subject") where subject is not null;`,
    );
    this.addSql(
      `create index "memories_tier_index" on "memories" ("organization_id", "tier") where status = 'active';`,
    );
    this.addSql(
      `create index "memories_expiration_index" on "memories" ("expires_at") where expires_at is not null;`,
    );
    this.addSql(
      `create index "memories_conversation_index" on "memories" ("source_conversation_id") where source_conversation_id is not null;`,
    );
    this.addSql(
      `create index "memories_superseded_by_index" on "memories" ("superseded_by") where superseded_by is not null;`,
    );
    this.addSql(
      `create index "memories_embedding_ann_index" on "memories" using hnsw ("embedding" vector_cosine_ops);`,
    );

    this.addSql(
      `create table "memory_tags" ("id" uuid not null default gen_random_uuid(), "memory_id" uuid not null, "tag" text not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "memory_tags_memory_id_index" on "memory_tags" ("memory_id");`);
    this.addSql(`create index "memory_tags_tag_index" on "memory_tags" ("tag");`);
    this.addSql(
      `alter table "memory_tags" add constraint "memory_tags_memory_id_tag_unique" unique ("memory_id", "tag");`,
    );

    this.addSql(
      `create trigger "set_updated_at_user" before update on "users" for each row execute function trigger_set_updated_at();`,
    );

    this.addSql(
      `create trigger "set_updated_at_team" before update on "organizations" for each row execute function trigger_set_updated_at();`,
    );

    this.addSql(
      `alter table "agents" add constraint "agents_dna_objects" check (jsonb_typeof(personality) = 'object' and jsonb_typeof(model_config_json) = 'object' and jsonb_typeof(memory_config) = 'object' and jsonb_typeof(boundaries) = 'object');`,
    );
    this.addSql(
      `create trigger "set_updated_at_agent" before update on "agents" for each row execute function trigger_set_updated_at();`,
    );

    this.addSql(
      `create or replace function "memory_logs_memory_logs_append_only_fn"() returns trigger as \$\$ begin raise exception 'memory_logs is append-only: % refused', tg_op using errcode = 'restrict_violation'; end; \$\$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "memory_logs_append_only" BEFORE UPDATE OR DELETE on "memory_logs" for each ROW execute function "memory_logs_memory_logs_append_only_fn"();`,
    );

    this.addSql(
      `alter table "conversations" add constraint "conversations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "conversations" add constraint "conversations_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "conversations" add constraint "conversations_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "conversations" add constraint "conversations_counters_non_negative" check (message_count >= 0 and total_input_tokens >= 0 and total_output_tokens >= 0);`,
    );
    this.addSql(
      `create trigger "set_updated_at_conversation" before update on "conversations" for each row execute function trigger_set_updated_at();`,
    );

    this.addSql(
      `alter table "messages" add constraint "messages_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_feedback_rating_check" check (feedback_rating is null or feedback_rating in ('positive', 'negative'));`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_token_count_non_negative" check (token_count is null or token_count >= 0);`,
    );
    this.addSql(
      `create trigger "update_conversation_on_message" after insert on "messages" for each row execute function trigger_update_conversation_stats();`,
    );

    this.addSql(
      `alter table "memories" add constraint "memories_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "memories" add constraint "memories_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "memories" add constraint "memories_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "memories" add constraint "memories_source_conversation_id_foreign" foreign key ("source_conversation_id") references "conversations" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "memories" add constraint "memories_superseded_by_foreign" foreign key ("superseded_by") references "memories" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "memories" add constraint "memories_importance_range" check (importance >= 1 and importance <= 10);`,
    );
    this.addSql(
      `alter table "memories" add constraint "memories_confidence_range" check (confidence::numeric >= 0 and confidence::numeric <= 1);`,
    );
    this.addSql(
      `alter table "memories" add constraint "memories_access_count_non_negative" check (access_count >= 0);`,
    );
    this.addSql(`alter table "memories" add constraint "memories_version_positive" check (version >= 1);`);
    this.addSql(
      `alter table "memories" add constraint "memories_not_superseded_by_itself" check (superseded_by is null or superseded_by <> id);`,
    );
    this.addSql(
      `create trigger "set_updated_at_memory" before update on "memories" for each row when (OLD.access_count is not distinct from NEW.access_count) execute function trigger_set_updated_at();`,
    );
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
      `create trigger "log_memory_change" AFTER INSERT OR UPDATE OR DELETE on "memories" for each ROW execute function "memories_log_memory_change_fn"();`,
    );

    this.addSql(
      `alter table "memory_tags" add constraint "memory_tags_memory_id_foreign" foreign key ("memory_id") references "memories" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "memory_tags" add constraint "memory_tags_tag_not_blank" check (length(btrim(tag)) > 0);`,
    );

    for (const sql of FUNCTIONS_AFTER_TABLES) this.addSql(sql);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "messages" drop constraint "messages_conversation_id_foreign";`);
    this.addSql(`alter table "memories" drop constraint "memories_source_conversation_id_foreign";`);
    this.addSql(`alter table "memories" drop constraint "memories_superseded_by_foreign";`);
    this.addSql(`alter table "memory_tags" drop constraint "memory_tags_memory_id_foreign";`);

    this.addSql(`drop trigger if exists "memory_logs_append_only" on "memory_logs";`);
    this.addSql(`drop function if exists "memory_logs_memory_logs_append_only_fn"();`);
    this.addSql(`drop table if exists "memory_logs" cascade;`);
    this.addSql(`drop trigger if exists "set_updated_at_conversation" on "conversations";`);
    this.addSql(`drop function if exists "conversations_set_updated_at_conversation_fn"();`);
    this.addSql(`drop table if exists "conversations" cascade;`);
    this.addSql(`drop trigger if exists "update_conversation_on_message" on "messages";`);
    this.addSql(`drop function if exists "messages_update_conversation_on_message_fn"();`);
    this.addSql(`drop table if exists "messages" cascade;`);
    this.addSql(`drop trigger if exists "set_updated_at_memory" on "memories";`);
    this.addSql(`drop function if exists "memories_set_updated_at_memory_fn"();`);
    this.addSql(`drop trigger if exists "log_memory_change" on "memories";`);
    this.addSql(`drop function if exists "memories_log_memory_change_fn"();`);
    this.addSql(`drop table if exists "memories" cascade;`);
    this.addSql(`drop table if exists "memory_tags" cascade;`);

    this.addSql(`alter table "agents" drop constraint "agents_dna_objects";`);
    this.addSql(`drop trigger if exists "set_updated_at_agent" on "agents";`);
    this.addSql(`drop function if exists "agents_set_updated_at_agent_fn"();`);

    this.addSql(`drop trigger if exists "set_updated_at_team" on "organizations";`);
    this.addSql(`drop function if exists "organizations_set_updated_at_team_fn"();`);

    this.addSql(`drop trigger if exists "set_updated_at_user" on "users";`);
    this.addSql(`drop function if exists "users_set_updated_at_user_fn"();`);

    this.addSql('drop function if exists reconstruct_memory_at(uuid, timestamptz);');
    this.addSql('drop function if exists update_memory_access(uuid[]);');
    this.addSql('drop function if exists trigger_update_conversation_stats();');
    this.addSql('drop function if exists trigger_set_updated_at();');

    this.addSql(`drop type "memory_tier";`);
    this.addSql(`drop type "memory_status";`);
    this.addSql(`drop type "conversation_status";`);
    this.addSql(`drop type "message_role";`);
    this.addSql(`drop type "memory_type_enum";`);
    this.addSql(`drop type "memory_source";`);

    this.addSql('drop extension if exists vector;');
  }
}
