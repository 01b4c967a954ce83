import { Migration } from '@mikro-orm/migrations';

/**
 * Change notifications (src/db/notifications.ts). Triggers NOTIFY `oversight_auth` when a key, user, agent
 * or membership changes in a way authentication relies on (the principal cache forgets it on every
 * instance), and `oversight_work_items` on every change of a consultation request, validation or workflow
 * (live views wake instead of polling). The two functions are hand-written (routines are not in the diff);
 * the triggers are entity metadata (src/db/notify-triggers.ts).
 */
const FUNCTIONS = [
  // `<kind>:<the row's column>`, e.g. `api_key:<id>` or `membership:<user id>`
  `create or replace function notify_auth_change() returns trigger language plpgsql as $$
begin
  perform pg_notify('oversight_auth', tg_argv[0] || ':' ||
    (to_jsonb(case when tg_op = 'DELETE' then OLD else NEW end) ->> tg_argv[1]));
  return null;
end $$;`,
  `create or replace function notify_work_item_change() returns trigger language plpgsql as $$
declare
  changed jsonb := to_jsonb(case when tg_op = 'DELETE' then OLD else NEW end);
begin
  perform pg_notify('oversight_work_items', json_build_object(
    'organizationId', changed ->> 'organization_id', 'kind', tg_argv[0], 'id', changed ->> 'id', 'op', tg_op)::text);
  return null;
end $$;`,
];

export class Migration20261202031710_notifications extends Migration {
  override name = 'Migration20261202031710_notifications';

  override up(): void | Promise<void> {
    for (const sql of FUNCTIONS) this.addSql(sql);
    this.addSql(
      `create trigger "users_notify_auth_update" after update on "users" for each row when (OLD.is_active is distinct from NEW.is_active or OLD.deleted_at is distinct from NEW.deleted_at) execute function notify_auth_change('user', 'id');`,
    );
    this.addSql(
      `create trigger "users_notify_auth_delete" after delete on "users" for each row execute function notify_auth_change('user', 'id');`,
    );
    this.addSql(
      `create trigger "memberships_notify_auth_update" after update on "memberships" for each row when (OLD.role is distinct from NEW.role or OLD.user_id is distinct from NEW.user_id or OLD.organization_id is distinct from NEW.organization_id) execute function notify_auth_change('membership', 'user_id');`,
    );
    this.addSql(
      `create trigger "memberships_notify_auth_delete" after delete on "memberships" for each row execute function notify_auth_change('membership', 'user_id');`,
    );
    this.addSql(
      `create trigger "memberships_notify_auth_insert" after insert on "memberships" for each row execute function notify_auth_change('membership', 'user_id');`,
    );
    this.addSql(
      `create trigger "agents_notify_auth_update" after update on "agents" for each row when (OLD.status is distinct from NEW.status or OLD.organization_id is distinct from NEW.organization_id) execute function notify_auth_change('agent', 'id');`,
    );
    this.addSql(
      `create trigger "agents_notify_auth_delete" after delete on "agents" for each row execute function notify_auth_change('agent', 'id');`,
    );
    this.addSql(
      `create trigger "api_keys_notify_auth_update" after update on "api_keys" for each row when (OLD.key_hash is distinct from NEW.key_hash or OLD.revoked_at is distinct from NEW.revoked_at or OLD.expires_at is distinct from NEW.expires_at or OLD.scopes is distinct from NEW.scopes or OLD.organization_id is distinct from NEW.organization_id or OLD.user_id is distinct from NEW.user_id or OLD.agent_id is distinct from NEW.agent_id) execute function notify_auth_change('api_key', 'id');`,
    );
    this.addSql(
      `create trigger "api_keys_notify_auth_delete" after delete on "api_keys" for each row execute function notify_auth_change('api_key', 'id');`,
    );
    this.addSql(
      `create trigger "consultation_requests_notify_work_item" after insert or update or delete on "consultation_requests" for each row execute function notify_work_item_change('request');`,
    );
    this.addSql(
      `create trigger "validations_notify_work_item" after insert or update or delete on "validations" for each row execute function notify_work_item_change('validation');`,
    );
    this.addSql(
      `create trigger "workflows_notify_work_item" after insert or update or delete on "workflows" for each row execute function notify_work_item_change('workflow');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "users_notify_auth_update" on "users";`);
    this.addSql(`drop trigger if exists "users_notify_auth_delete" on "users";`);
    this.addSql(`drop trigger if exists "memberships_notify_auth_update" on "memberships";`);
    this.addSql(`drop trigger if exists "memberships_notify_auth_delete" on "memberships";`);
    this.addSql(`drop trigger if exists "memberships_notify_auth_insert" on "memberships";`);
    this.addSql(`drop trigger if exists "agents_notify_auth_update" on "agents";`);
    this.addSql(`drop trigger if exists "agents_notify_auth_delete" on "agents";`);
    this.addSql(`drop trigger if exists "api_keys_notify_auth_update" on "api_keys";`);
    this.addSql(`drop trigger if exists "api_keys_notify_auth_delete" on "api_keys";`);
    this.addSql(
      `drop trigger if exists "consultation_requests_notify_work_item" on "consultation_requests";`,
    );
    this.addSql(`drop trigger if exists "validations_notify_work_item" on "validations";`);
    this.addSql(`drop trigger if exists "workflows_notify_work_item" on "workflows";`);
    this.addSql('drop function if exists notify_auth_change();');
    this.addSql('drop function if exists notify_work_item_change();');
  }
}
