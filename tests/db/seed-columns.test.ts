/**
 * DOMAIN.md: "Seed 004's `team_id` is `organization_id`; every other column keeps the seed's name."
 * Every column the four seeds name, table by table, must exist under that name in the migrated
 * database (a renamed relation such as `created_by` -> `created_by_id` is caught here). The only
 * renames are the ones DOMAIN.md makes (team -> organizations, team_id/org_id -> organization_id, seed
 * 001's `name`/`hashed_password` merged into seed 004's `display_name`/`password_hash`), and the only
 * column left out is `api_keys.permissions`, dropped on purpose (README, "API key powers").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** Table -> the columns the seeds give it (000 S26, 003 Story 1.3, 004 FR-3), under their seed names. */
const SEED_COLUMNS: Record<string, string[]> = {
  users: [
    ...['id', 'email', 'tier', 'created_at'], // 000
    ...['username', 'roles', 'updated_at'], // 003
    ...['password_hash', 'display_name', 'is_active'], // 004
  ],
  organizations: [
    ...['id', 'name', 'owner_id', 'tier', 'created_at'], // 000
    ...['slug', 'settings', 'shared_skill_names', 'webhook_url', 'webhook_secret'], // 004 team
    ...['conversation_retention_days', 'updated_at'],
  ],
  memberships: ['id', 'user_id', 'organization_id', 'role', 'created_at'],
  api_keys: ['id', 'key_hash', 'scopes', 'created_at', 'expires_at'],
  audit_logs: ['id', 'user_id', 'action', 'resource_type', 'resource_id', 'details', 'timestamp'],
  validations: [
    ...['id', 'organization_id', 'agent_id', 'action_type', 'action_description', 'decision'],
    ...['veto_level', 'created_at'],
  ],
  findings: ['id', 'validation_id', 'layer_id', 'severity', 'title', 'description'],
  package_submissions: [
    ...['id', 'user_id', 'project_name', 'project_version', 'package_lock_json', 'status'],
    ...['created_at', 'updated_at'],
  ],
  package_requests: [
    ...['id', 'submission_id', 'package_name', 'package_version', 'status'],
    ...['created_at', 'updated_at'],
  ],
  packages: ['id', 'name', 'version', 'status', 'metadata', 'fetched_at', 'created_at', 'updated_at'],
  workflows: ['id', 'package_request_id', 'status', 'current_stage', 'created_at', 'updated_at'],
  check_results: ['id', 'workflow_id', 'check_type', 'status', 'results', 'created_at'],
  package_usages: ['id', 'package_request_id', 'project_name', 'created_at'],
  license_allowlist: [
    ...['id', 'license_identifier', 'license_name', 'description', 'is_active', 'created_by'],
    ...['created_at', 'updated_at'],
  ],
  agents: [
    ...['id', 'organization_id', 'name', 'slug', 'tagline', 'avatar_emoji', 'personality'],
    ...['shared_skill_names', 'custom_skill_names', 'disabled_skill_names', 'model_config_json'],
    ...['memory_config', 'boundaries', 'status', 'created_by', 'created_at', 'updated_at'],
  ],
  conversations: [
    ...['id', 'organization_id', 'agent_id', 'user_id', 'title', 'status', 'message_count'],
    ...['total_input_tokens', 'total_output_tokens', 'summary', 'metadata', 'created_at'],
    ...['updated_at', 'last_message_at'],
  ],
  messages: [
    ...['id', 'conversation_id', 'agent_id', 'role', 'content', 'tool_calls', 'tool_results'],
    ...['token_count', 'model', 'feedback_rating', 'feedback_comment', 'created_at'],
  ],
  memories: [
    ...['id', 'organization_id', 'agent_id', 'user_id', 'memory_type', 'content', 'subject'],
    ...['embedding', 'importance', 'confidence', 'access_count', 'is_pinned', 'source_type'],
    ...['source_conversation_id', 'source_message_ids', 'extraction_model', 'version'],
    ...['superseded_by', 'contradicts', 'related_to', 'metadata', 'tier', 'status', 'created_at'],
    ...['updated_at', 'last_accessed_at', 'expires_at'],
  ],
  memory_logs: [
    ...['id', 'memory_id', 'action', 'old_content', 'new_content', 'old_importance'],
    ...['new_importance', 'old_tier', 'new_tier', 'old_status', 'new_status', 'changed_by'],
    ...['reason', 'conversation_id', 'related_memory_ids', 'created_at'],
  ],
  memory_tags: ['id', 'memory_id', 'tag', 'created_at'],
};

/** Seed columns deliberately not kept, with the reason (README). */
const DROPPED = { api_keys: ['permissions'] };

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.dispose();
});

async function columnsByTable(): Promise<Map<string, Set<string>>> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ table_name: string; column_name: string }[]>(
      `select table_name, column_name from information_schema.columns where table_schema = 'public'`,
    );
  const byTable = new Map<string, Set<string>>();
  for (const row of rows) {
    if (!byTable.has(row.table_name)) byTable.set(row.table_name, new Set());
    byTable.get(row.table_name)!.add(row.column_name);
  }
  return byTable;
}

describe('seed column names', () => {
  it('every column a seed names exists under the seed name, in every seed table', async () => {
    const actual = await columnsByTable();
    const missing = Object.entries(SEED_COLUMNS).flatMap(([table, columns]) =>
      columns.filter((c) => !actual.get(table)?.has(c)).map((c) => `${table}.${c}`),
    );
    expect(missing).toEqual([]);
  });

  it('the seed columns dropped on purpose are gone, not left unused', async () => {
    const actual = await columnsByTable();
    const present = Object.entries(DROPPED).flatMap(([table, columns]) =>
      columns.filter((c) => actual.get(table)?.has(c)).map((c) => `${table}.${c}`),
    );
    expect(present).toEqual([]);
  });
});
