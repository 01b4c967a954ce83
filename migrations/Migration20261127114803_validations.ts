import { Migration } from '@mikro-orm/migrations';

export class Migration20261127114803_validations extends Migration {
  override name = 'Migration20261127114803_validations';

  override up(): void | Promise<void> {
    this.addSql(
      `create type "validation_decision" as enum ('approved', 'approved_with_warnings', 'needs_review', 'rejected');`,
    );
    this.addSql(`create type "veto_level" as enum ('none', 'weak', 'medium', 'strong');`);
    this.addSql(`create type "finding_severity" as enum ('info', 'low', 'medium', 'high', 'critical');`);
    this.addSql(
      `create table "validations" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "agent_id" varchar(255) not null, "registered_agent_id" uuid null, "action_type" varchar(100) not null, "action_description" text not null, "decision" "validation_decision" not null, "veto_level" "veto_level" not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "validations_registered_agent_id_index" on "validations" ("registered_agent_id");`,
    );
    this.addSql(
      `create index "validations_organization_id_created_at_index" on "validations" ("organization_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "validations_organization_id_agent_id_created_at_index" on "validations" ("organization_id", "agent_id", "created_at");`,
    );
    this.addSql(
      `create index "validations_organization_id_action_type_created_at_index" on "validations" ("organization_id", "action_type", "created_at");`,
    );
    this.addSql(
      `create index "validations_organization_id_decision_created_at_index" on "validations" ("organization_id", "decision", "created_at");`,
    );

    this.addSql(
      `create table "findings" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "validation_id" uuid not null, "position" smallint not null, "layer_id" varchar(10) not null, "severity" "finding_severity" not null, "title" varchar(255) not null, "description" text not null, primary key ("id"));`,
    );
    this.addSql(`create index "findings_organization_id_index" on "findings" ("organization_id");`);
    this.addSql(
      `create index "findings_organization_id_severity_index" on "findings" ("organization_id", "severity");`,
    );
    this.addSql(
      `alter table "findings" add constraint "findings_validation_id_position_unique" unique ("validation_id", "position");`,
    );

    this.addSql(
      `alter table "validations" add constraint "validations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "validations" add constraint "validations_registered_agent_id_foreign" foreign key ("registered_agent_id") references "agents" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "validations" add constraint "validations_agent_id_not_blank" check (btrim(agent_id) <> '');`,
    );
    this.addSql(
      `alter table "validations" add constraint "validations_action_type_not_blank" check (btrim(action_type) <> '');`,
    );
    this.addSql(
      `alter table "validations" add constraint "validations_strong_veto_rejects" check (veto_level <> 'strong' or decision = 'rejected');`,
    );

    this.addSql(
      `alter table "findings" add constraint "findings_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "findings" add constraint "findings_validation_id_foreign" foreign key ("validation_id") references "validations" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "findings" add constraint "findings_layer_id_not_blank" check (btrim(layer_id) <> '');`,
    );
    this.addSql(
      `alter table "findings" add constraint "findings_position_non_negative" check (position >= 0);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "findings" drop constraint "findings_validation_id_foreign";`);

    this.addSql(`drop table if exists "validations" cascade;`);
    this.addSql(`drop table if exists "findings" cascade;`);

    this.addSql(`drop type "validation_decision";`);
    this.addSql(`drop type "veto_level";`);
    this.addSql(`drop type "finding_severity";`);
  }
}
