import { Migration } from '@mikro-orm/migrations';

/**
 * `search_memories` writes each hit as jsonb from its columns instead of `to_jsonb(m) - 'embedding'`:
 * the latter detoasts every hit's 1,536-d embedding and prints its 1,536 numbers only to drop them
 * (about 0.1 ms per hit, a fifth of the function's own cost over the bare ANN query; docs/performance.md).
 * The keys are the ones `MemoryJson` (src/modules/agents/memory.view.ts) reads; a column added to
 * `memories` that a search result must show is added here too (tests/http/lists.test.ts compares every
 * search hit with the single read of the same memory, field by field).
 */
const MEMORY_JSON = `jsonb_build_object(
           'id', m.id,
           'organization_id', m.organization_id,
           'agent_id', m.agent_id,
           'user_id', m.user_id,
           'memory_type', m.memory_type,
           'content', m.content,
           'subject', m.subject,
           'importance', m.importance,
           'confidence', m.confidence,
           'access_count', m.access_count,
           'is_pinned', m.is_pinned,
           'source_type', m.source_type,
           'source_conversation_id', m.source_conversation_id,
           'source_message_ids', m.source_message_ids,
           'extraction_model', m.extraction_model,
           'version', m.version,
           'superseded_by', m.superseded_by,
           'contradicts', m.contradicts,
           'related_to', m.related_to,
           'metadata', m.metadata,
           'tier', m.tier,
           'status', m.status,
           'created_at', m.created_at,
           'updated_at', m.updated_at,
           'last_accessed_at', m.last_accessed_at,
           'expires_at', m.expires_at)`;

/** What the function built each hit from before this migration. */
const ROW_JSON = `to_jsonb(m) - 'embedding'`;

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Redefines the deployed `search_memories` with `from` replaced by `to` in its definition, as the server
 * holds it (settings and all), so this migration does not repeat the function. Fails if `from` is absent.
 */
const rewrite = (from: string, to: string) => `do $rewrite$
declare
  definition text := pg_get_functiondef(
    'search_memories(uuid, vector, integer, text[], uuid, uuid, uuid[], uuid, double precision)'::regprocedure);
begin
  if position(${literal(from)} in definition) = 0 then
    raise exception 'search_memories: % not found in its definition', ${literal(from)};
  end if;
  execute replace(definition, ${literal(from)}, ${literal(to)});
end $rewrite$;`;

export class Migration20261202070000_search_memories_columns extends Migration {
  override name = 'Migration20261202070000_search_memories_columns';

  override up(): void | Promise<void> {
    this.addSql(rewrite(ROW_JSON, MEMORY_JSON));
  }

  override down(): void | Promise<void> {
    this.addSql(rewrite(MEMORY_JSON, ROW_JSON));
  }
}
