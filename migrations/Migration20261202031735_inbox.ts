import { Migration } from '@mikro-orm/migrations';

export class Migration20261202031735_inbox extends Migration {
  override name = 'Migration20261202031735_inbox';

  override up(): void | Promise<void> {
    this.addSql(`create type "validation_review_decision" as enum ('approved', 'rejected');`);
    this.addSql(
      `create table "sign_in_attempts" ("id" uuid not null default gen_random_uuid(), "email" varchar(255) not null, "address" varchar(64) not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "sign_in_attempts_email_created_at_index" on "sign_in_attempts" ("email", "created_at");`,
    );
    this.addSql(
      `create index "sign_in_attempts_address_created_at_index" on "sign_in_attempts" ("address", "created_at");`,
    );

    this.addSql(
      `create table "web_sessions" ("id" uuid not null default gen_random_uuid(), "token_hash" varchar(64) not null, "user_id" uuid not null, "api_key_id" uuid not null, "organization_id" uuid null, "address" varchar(64) null, "user_agent" varchar(255) null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "ended_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "web_sessions" add constraint "web_sessions_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(`create index "web_sessions_user_id_index" on "web_sessions" ("user_id");`);
    this.addSql(`create index "web_sessions_api_key_id_index" on "web_sessions" ("api_key_id");`);
    this.addSql(`create index "web_sessions_organization_id_index" on "web_sessions" ("organization_id");`);

    this.addSql(
      `create index "consultation_requests_inbox_waiting_index" on "consultation_requests" ("organization_id", "created_at", "id") where status = 'pending' and deleted_at is null;`,
    );
    this.addSql(
      `create index "consultation_requests_inbox_urgency_index" on "consultation_requests" ("organization_id", (case priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end), "created_at", "id") where status = 'pending' and deleted_at is null;`,
    );
    this.addSql(
      `create index "consultation_requests_inbox_closed_index" on "consultation_requests" ("organization_id", "updated_at", "id") where status <> 'pending' and deleted_at is null;`,
    );

    this.addSql(
      `alter table "validations" add "review_decision" "validation_review_decision" null, add "reviewed_by_id" uuid null, add "reviewed_at" timestamptz null, add "review_comment" text null;`,
    );
    this.addSql(
      `alter table "validations" add constraint "validations_reviewed_by_id_foreign" foreign key ("reviewed_by_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `create index "validations_inbox_waiting_index" on "validations" ("organization_id", "created_at", "id") where decision = 'needs_review' and reviewed_at is null;`,
    );
    this.addSql(
      `create index "validations_inbox_urgency_index" on "validations" ("organization_id", (case veto_level when 'medium' then 1 else 2 end), "created_at", "id") where decision = 'needs_review' and reviewed_at is null;`,
    );
    this.addSql(
      `create index "validations_inbox_reviewed_index" on "validations" ("organization_id", "reviewed_at", "id") where reviewed_at is not null;`,
    );
    this.addSql(
      `alter table "validations" add constraint "validations_review_consistent" check ((review_decision is null) = (reviewed_at is null) and (review_decision is null or decision = 'needs_review'));`,
    );

    this.addSql(
      `alter table "workflows" add "reviewed_by_id" uuid null, add "reviewed_at" timestamptz null, add "review_reason" text null;`,
    );
    this.addSql(
      `alter table "workflows" add constraint "workflows_reviewed_by_id_foreign" foreign key ("reviewed_by_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `create index "workflows_inbox_waiting_index" on "workflows" ("organization_id", "created_at", "id") where status = 'needs_review';`,
    );
    this.addSql(
      `create index "workflows_inbox_reviewed_index" on "workflows" ("organization_id", "reviewed_at", "id") where reviewed_at is not null;`,
    );
    this.addSql(
      `alter table "workflows" add constraint "workflows_review_consistent" check (reviewed_at is null or status in ('approved', 'rejected'));`,
    );

    this.addSql(
      `alter table "web_sessions" add constraint "web_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "web_sessions" add constraint "web_sessions_api_key_id_foreign" foreign key ("api_key_id") references "api_keys" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "web_sessions" add constraint "web_sessions_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "web_sessions" add constraint "web_sessions_expires_after_creation" check (expires_at > created_at);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "sign_in_attempts" cascade;`);
    this.addSql(`drop table if exists "web_sessions" cascade;`);

    this.addSql(`alter table "validations" drop constraint "validations_reviewed_by_id_foreign";`);

    this.addSql(`alter table "workflows" drop constraint "workflows_reviewed_by_id_foreign";`);

    this.addSql(`drop index "consultation_requests_inbox_waiting_index";`);
    this.addSql(`drop index "consultation_requests_inbox_urgency_index";`);
    this.addSql(`drop index "consultation_requests_inbox_closed_index";`);

    this.addSql(`drop index "validations_inbox_waiting_index";`);
    this.addSql(`drop index "validations_inbox_urgency_index";`);
    this.addSql(`drop index "validations_inbox_reviewed_index";`);
    this.addSql(`alter table "validations" drop constraint "validations_review_consistent";`);
    this.addSql(
      `alter table "validations" drop column "review_decision", drop column "reviewed_by_id", drop column "reviewed_at", drop column "review_comment";`,
    );

    this.addSql(`drop index "workflows_inbox_waiting_index";`);
    this.addSql(`drop index "workflows_inbox_reviewed_index";`);
    this.addSql(`alter table "workflows" drop constraint "workflows_review_consistent";`);
    this.addSql(
      `alter table "workflows" drop column "reviewed_by_id", drop column "reviewed_at", drop column "review_reason";`,
    );

    this.addSql(`drop type "validation_review_decision";`);
  }
}
