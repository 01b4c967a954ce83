import { Migration } from '@mikro-orm/migrations';

export class Migration20261127000000_identity extends Migration {
  override name = 'Migration20261127000000_identity';

  override up(): void | Promise<void> {
    this.addSql(`create type "account_tier" as enum ('free', 'starter', 'pro', 'business');`);
    this.addSql(`create type "user_role" as enum ('owner', 'admin', 'member', 'viewer');`);
    this.addSql(`create type "agent_status" as enum ('draft', 'active', 'paused', 'archived');`);
    this.addSql(
      `create table "audit_logs" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid null, "user_id" uuid null, "agent_id" uuid null, "api_key_id" uuid null, "action" varchar(100) not null, "resource_type" varchar(100) not null, "resource_id" varchar(255) not null, "details" jsonb not null default '{}', "timestamp" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "audit_logs_organization_id_timestamp_index" on "audit_logs" ("organization_id", "timestamp");`,
    );
    this.addSql(`create index "audit_logs_resource_index" on "audit_logs" ("resource_type", "resource_id");`);
    this.addSql(`create index "audit_logs_user_id_index" on "audit_logs" ("user_id");`);

    this.addSql(
      `create table "users" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "email" varchar(255) not null, "username" varchar(100) null, "display_name" varchar(255) null, "password_hash" varchar(255) null, "roles" text[] not null default '{}', "tier" "account_tier" not null default 'free', "is_active" boolean not null default true, "deleted_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);
    this.addSql(`create unique index "users_email_lower_unique" on "users" (lower("email"));`);

    this.addSql(
      `create table "organizations" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(255) not null, "slug" varchar(100) not null, "owner_id" uuid not null, "tier" "account_tier" not null default 'free', "settings" jsonb not null default '{}', "shared_skill_names" text[] not null default '{}', "webhook_url" text null, "webhook_secret" text null, "conversation_retention_days" int null, primary key ("id"));`,
    );
    this.addSql(`alter table "organizations" add constraint "organizations_slug_unique" unique ("slug");`);

    this.addSql(
      `create table "memberships" ("id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "organization_id" uuid not null, "role" "user_role" not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "memberships_user_id_index" on "memberships" ("user_id");`);
    this.addSql(`create index "memberships_organization_id_index" on "memberships" ("organization_id");`);
    this.addSql(
      `alter table "memberships" add constraint "memberships_user_id_organization_id_unique" unique ("user_id", "organization_id");`,
    );

    this.addSql(
      `create table "agents" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "name" varchar(255) not null, "slug" varchar(100) not null, "tagline" text null, "avatar_emoji" varchar(16) null, "personality" jsonb not null default '{}', "shared_skill_names" text[] not null default '{}', "custom_skill_names" text[] not null default '{}', "disabled_skill_names" text[] not null default '{}', "model_config_json" jsonb not null default '{}', "memory_config" jsonb not null default '{}', "boundaries" jsonb not null default '{}', "status" "agent_status" not null default 'draft', "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "agents_organization_id_status_index" on "agents" ("organization_id", "status");`,
    );
    this.addSql(
      `alter table "agents" add constraint "agents_organization_id_slug_unique" unique ("organization_id", "slug");`,
    );

    this.addSql(
      `create table "api_keys" ("id" uuid not null default gen_random_uuid(), "name" varchar(255) not null, "prefix" varchar(32) not null, "key_hash" varchar(128) not null, "organization_id" uuid null, "user_id" uuid null, "agent_id" uuid null, "created_by_id" uuid null, "scopes" text[] not null default '{}', "permissions" jsonb not null default '{}', "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`alter table "api_keys" add constraint "api_keys_prefix_unique" unique ("prefix");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`);
    this.addSql(`create index "api_keys_organization_id_index" on "api_keys" ("organization_id");`);
    this.addSql(`create index "api_keys_user_id_index" on "api_keys" ("user_id");`);
    this.addSql(`create index "api_keys_agent_id_index" on "api_keys" ("agent_id");`);

    this.addSql(
      `create or replace function "audit_logs_audit_logs_append_only_fn"() returns trigger as \$\$ begin raise exception 'audit_logs is append-only: % refused', tg_op using errcode = 'restrict_violation'; end; \$\$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "audit_logs_append_only" BEFORE UPDATE OR DELETE on "audit_logs" for each ROW execute function "audit_logs_audit_logs_append_only_fn"();`,
    );

    this.addSql(
      `alter table "users" add constraint "users_email_format" check (email ~* '^[^@]+@[^@]+\\.[^@]+\$');`,
    );

    this.addSql(
      `alter table "organizations" add constraint "organizations_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete restrict;`,
    );
    this.addSql(
      `alter table "organizations" add constraint "organizations_slug_format" check (slug ~ '^[a-z0-9][a-z0-9-]*[a-z0-9]\$');`,
    );
    this.addSql(
      `alter table "organizations" add constraint "organizations_retention_positive" check (conversation_retention_days is null or conversation_retention_days > 0);`,
    );

    this.addSql(
      `alter table "memberships" add constraint "memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "memberships" add constraint "memberships_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "agents" add constraint "agents_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "agents" add constraint "agents_created_by_foreign" foreign key ("created_by") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "agents" add constraint "agents_slug_format" check (slug ~ '^[a-z0-9][a-z0-9-]*[a-z0-9]\$');`,
    );

    this.addSql(
      `alter table "api_keys" add constraint "api_keys_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_owner_present" check ((user_id is not null and agent_id is null) or (agent_id is not null and user_id is null and organization_id is not null));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "organizations" drop constraint "organizations_owner_id_foreign";`);
    this.addSql(`alter table "memberships" drop constraint "memberships_user_id_foreign";`);
    this.addSql(`alter table "agents" drop constraint "agents_created_by_foreign";`);
    this.addSql(`alter table "api_keys" drop constraint "api_keys_user_id_foreign";`);
    this.addSql(`alter table "api_keys" drop constraint "api_keys_created_by_id_foreign";`);
    this.addSql(`alter table "memberships" drop constraint "memberships_organization_id_foreign";`);
    this.addSql(`alter table "agents" drop constraint "agents_organization_id_foreign";`);
    this.addSql(`alter table "api_keys" drop constraint "api_keys_organization_id_foreign";`);
    this.addSql(`alter table "api_keys" drop constraint "api_keys_agent_id_foreign";`);

    this.addSql(`drop trigger if exists "audit_logs_append_only" on "audit_logs";`);
    this.addSql(`drop function if exists "audit_logs_audit_logs_append_only_fn"();`);
    this.addSql(`drop table if exists "audit_logs" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "organizations" cascade;`);
    this.addSql(`drop table if exists "memberships" cascade;`);
    this.addSql(`drop table if exists "agents" cascade;`);
    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop type "account_tier";`);
    this.addSql(`drop type "user_role";`);
    this.addSql(`drop type "agent_status";`);
  }
}
