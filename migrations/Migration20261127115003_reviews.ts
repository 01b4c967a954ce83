import { Migration } from '@mikro-orm/migrations';

export class Migration20261127115003_reviews extends Migration {
  override name = 'Migration20261127115003_reviews';

  override up(): void | Promise<void> {
    this.addSql(`create type "consultation_answer_kind" as enum ('choice', 'text');`);
    this.addSql(`create type "consultation_priority" as enum ('low', 'normal', 'high', 'urgent');`);
    this.addSql(`create type "consultation_status" as enum ('pending', 'answered', 'expired', 'cancelled');`);
    this.addSql(`create type "webhook_event" as enum ('request.answered', 'request.expired');`);
    this.addSql(
      `create type "webhook_delivery_status" as enum ('pending', 'sending', 'succeeded', 'failed', 'abandoned');`,
    );
    this.addSql(
      `create table "consultation_requests" ("id" uuid not null default gen_random_uuid(), "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "agent_id" uuid null, "api_key_id" uuid null, "question" text not null, "context" jsonb not null default '{}', "answer_kind" "consultation_answer_kind" not null default 'choice', "options" text[] not null default '{}', "priority" "consultation_priority" not null default 'normal', "status" "consultation_status" not null default 'pending', "assignee_id" uuid null, "response" jsonb null, "responded_by_id" uuid null, "responded_at" timestamptz null, "callback_url" text null, "expires_at" timestamptz not null, "cancelled_at" timestamptz null, "metadata" jsonb not null default '{}', "deleted_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `create index "consultation_requests_organization_id_index" on "consultation_requests" ("organization_id");`,
    );
    this.addSql(
      `create index "consultation_requests_agent_id_index" on "consultation_requests" ("agent_id");`,
    );
    this.addSql(
      `create index "consultation_requests_assignee_id_index" on "consultation_requests" ("assignee_id");`,
    );
    this.addSql(
      `create index "consultation_requests_inbox_index" on "consultation_requests" ("organization_id", "status", "priority", "created_at") where "deleted_at" is null;`,
    );
    this.addSql(
      `create index "consultation_requests_expiry_index" on "consultation_requests" ("expires_at") where status = 'pending' and deleted_at is null;`,
    );

    this.addSql(
      `create table "webhook_deliveries" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "request_id" uuid not null, "event_id" uuid not null, "event" "webhook_event" not null, "attempt" int not null, "status" "webhook_delivery_status" not null default 'pending', "url" text null, "payload" jsonb not null, "http_status" int null, "duration_ms" int null, "error" text null, "next_attempt_at" timestamptz null, "locked_until" timestamptz null, "locked_by" varchar(100) null, "started_at" timestamptz null, "finished_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_deliveries_organization_id_index" on "webhook_deliveries" ("organization_id");`,
    );
    this.addSql(`create index "webhook_deliveries_request_id_index" on "webhook_deliveries" ("request_id");`);
    this.addSql(
      `create index "webhook_deliveries_due_index" on "webhook_deliveries" ("next_attempt_at") where status in ('pending', 'sending');`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_event_id_attempt_unique" unique ("event_id", "attempt");`,
    );

    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_api_key_id_foreign" foreign key ("api_key_id") references "api_keys" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_assignee_id_foreign" foreign key ("assignee_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_responded_by_id_foreign" foreign key ("responded_by_id") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_question_not_empty" check (length(btrim(question)) > 0);`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_options_fit_kind" check ((answer_kind = 'choice' and cardinality(options) >= 2) or (answer_kind = 'text' and cardinality(options) = 0));`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_answered_consistent" check ((status = 'answered') = (response is not null and responded_at is not null));`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_cancelled_consistent" check ((status = 'cancelled') = (cancelled_at is not null));`,
    );
    this.addSql(
      `alter table "consultation_requests" add constraint "consultation_requests_expires_after_creation" check (expires_at > created_at);`,
    );

    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_request_id_foreign" foreign key ("request_id") references "consultation_requests" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_attempt_positive" check (attempt >= 1);`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_schedule_consistent" check ((status in ('pending', 'failed') and next_attempt_at is not null) or (status in ('succeeded', 'abandoned') and next_attempt_at is null) or (status = 'sending' and locked_until is not null));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_request_id_foreign";`);

    this.addSql(`drop table if exists "consultation_requests" cascade;`);
    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);

    this.addSql(`drop type "consultation_answer_kind";`);
    this.addSql(`drop type "consultation_priority";`);
    this.addSql(`drop type "consultation_status";`);
    this.addSql(`drop type "webhook_event";`);
    this.addSql(`drop type "webhook_delivery_status";`);
  }
}
