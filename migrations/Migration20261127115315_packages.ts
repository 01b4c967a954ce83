import { Migration } from '@mikro-orm/migrations';

export class Migration20261127115315_packages extends Migration {
  override name = 'Migration20261127115315_packages';

  override up(): void | Promise<void> {
    this.addSql(`create type "package_status" as enum ('discovered', 'fetched', 'fetch_failed');`);
    this.addSql(
      `create type "package_submission_status" as enum ('pending', 'checking', 'needs_review', 'approved', 'rejected');`,
    );
    this.addSql(
      `create type "package_request_status" as enum ('pending', 'checking', 'needs_review', 'approved', 'rejected');`,
    );
    this.addSql(
      `create type "workflow_status" as enum ('pending', 'checking', 'needs_review', 'approved', 'rejected');`,
    );
    this.addSql(
      `create type "workflow_stage" as enum ('license_check', 'security_scan', 'human_review', 'completed');`,
    );
    this.addSql(`create type "check_type" as enum ('TRIVY', 'LICENSE');`);
    this.addSql(`create type "check_status" as enum ('pass', 'fail', 'unknown');`);
    this.addSql(
      `create table "packages" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(214) not null, "version" varchar(255) not null, "status" "package_status" not null default 'discovered', "metadata" jsonb not null default '{}', "fetched_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "packages" add constraint "packages_name_version_unique" unique ("name", "version");`,
    );

    this.addSql(
      `create table "license_allowlist" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "license_identifier" varchar(100) not null, "license_name" varchar(255) not null, "description" text null, "is_active" boolean not null default true, "created_by_id" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "license_allowlist_organization_id_is_active_index" on "license_allowlist" ("organization_id", "is_active");`,
    );
    this.addSql(
      `create unique index "license_allowlist_organization_id_license_identifier_unique" on "license_allowlist" ("organization_id", lower("license_identifier"));`,
    );

    this.addSql(
      `create table "package_submissions" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "user_id" uuid null, "agent_id" uuid null, "project_name" varchar(255) not null, "project_version" varchar(100) null, "lockfile_version" smallint not null, "package_lock_json" jsonb not null, "status" "package_submission_status" not null default 'pending', primary key ("id"));`,
    );
    this.addSql(`create index "package_submissions_user_id_index" on "package_submissions" ("user_id");`);
    this.addSql(`create index "package_submissions_agent_id_index" on "package_submissions" ("agent_id");`);
    this.addSql(
      `create index "package_submissions_organization_id_created_at_index" on "package_submissions" ("organization_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "package_submissions_organization_id_project_name_index" on "package_submissions" ("organization_id", "project_name");`,
    );

    this.addSql(
      `create table "package_requests" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "submission_id" uuid not null, "package_name" varchar(214) not null, "package_version" varchar(255) not null, "license" varchar(255) null, "integrity" varchar(512) null, "resolved" text null, "status" "package_request_status" not null default 'pending', primary key ("id"));`,
    );
    this.addSql(
      `create index "package_requests_submission_id_index" on "package_requests" ("submission_id");`,
    );
    this.addSql(
      `create index "package_requests_organization_id_name_version_index" on "package_requests" ("organization_id", "package_name", "package_version");`,
    );
    this.addSql(
      `alter table "package_requests" add constraint "package_requests_name_version_submission_unique" unique ("package_name", "package_version", "submission_id");`,
    );

    this.addSql(
      `create table "package_usages" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "package_request_id" uuid not null, "project_name" varchar(255) not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "package_usages_project_name_index" on "package_usages" ("project_name");`);
    this.addSql(
      `create index "package_usages_organization_id_project_name_index" on "package_usages" ("organization_id", "project_name");`,
    );
    this.addSql(
      `alter table "package_usages" add constraint "package_usages_package_request_id_project_name_unique" unique ("package_request_id", "project_name");`,
    );

    this.addSql(
      `create table "workflows" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "package_request_id" uuid not null, "status" "workflow_status" not null default 'pending', "current_stage" "workflow_stage" not null default 'license_check', primary key ("id"));`,
    );
    this.addSql(
      `alter table "workflows" add constraint "workflows_package_request_id_unique" unique ("package_request_id");`,
    );
    this.addSql(
      `create index "workflows_organization_id_status_index" on "workflows" ("organization_id", "status");`,
    );

    this.addSql(
      `create table "check_results" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "workflow_id" uuid not null, "check_type" "check_type" not null, "status" "check_status" not null, "results" jsonb not null default '{}', "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "check_results_workflow_id_check_type_created_at_index" on "check_results" ("workflow_id", "check_type", "created_at");`,
    );
    this.addSql(`create index "check_results_organization_id_index" on "check_results" ("organization_id");`);

    this.addSql(
      `alter table "packages" add constraint "packages_fetched_has_fetched_at" check (status <> 'fetched' or fetched_at is not null);`,
    );

    this.addSql(
      `alter table "license_allowlist" add constraint "license_allowlist_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "license_allowlist" add constraint "license_allowlist_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "license_allowlist" add constraint "license_allowlist_identifier_not_blank" check (btrim(license_identifier) <> '');`,
    );

    this.addSql(
      `alter table "package_submissions" add constraint "package_submissions_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "package_submissions" add constraint "package_submissions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "package_submissions" add constraint "package_submissions_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "package_submissions" add constraint "package_submissions_lockfile_version_known" check (lockfile_version in (1, 2, 3));`,
    );
    this.addSql(
      `alter table "package_submissions" add constraint "package_submissions_project_name_not_blank" check (btrim(project_name) <> '');`,
    );

    this.addSql(
      `alter table "package_requests" add constraint "package_requests_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "package_requests" add constraint "package_requests_submission_id_foreign" foreign key ("submission_id") references "package_submissions" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "package_usages" add constraint "package_usages_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "package_usages" add constraint "package_usages_package_request_id_foreign" foreign key ("package_request_id") references "package_requests" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "workflows" add constraint "workflows_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "workflows" add constraint "workflows_package_request_id_foreign" foreign key ("package_request_id") references "package_requests" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "workflows" add constraint "workflows_stage_matches_status" check ((status in ('approved', 'rejected')) = (current_stage = 'completed') and (status = 'needs_review') = (current_stage = 'human_review'));`,
    );

    this.addSql(
      `alter table "check_results" add constraint "check_results_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "check_results" add constraint "check_results_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "package_requests" drop constraint "package_requests_submission_id_foreign";`);
    this.addSql(`alter table "package_usages" drop constraint "package_usages_package_request_id_foreign";`);
    this.addSql(`alter table "workflows" drop constraint "workflows_package_request_id_foreign";`);
    this.addSql(`alter table "check_results" drop constraint "check_results_workflow_id_foreign";`);

    this.addSql(`drop table if exists "packages" cascade;`);
    this.addSql(`drop table if exists "license_allowlist" cascade;`);
    this.addSql(`drop table if exists "package_submissions" cascade;`);
    this.addSql(`drop table if exists "package_requests" cascade;`);
    this.addSql(`drop table if exists "package_usages" cascade;`);
    this.addSql(`drop table if exists "workflows" cascade;`);
    this.addSql(`drop table if exists "check_results" cascade;`);

    this.addSql(`drop type "package_status";`);
    this.addSql(`drop type "package_submission_status";`);
    this.addSql(`drop type "package_request_status";`);
    this.addSql(`drop type "workflow_status";`);
    this.addSql(`drop type "workflow_stage";`);
    this.addSql(`drop type "check_type";`);
    this.addSql(`drop type "check_status";`);
  }
}
