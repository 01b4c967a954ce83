import { Migration } from '@mikro-orm/migrations';

/**
 * `search_memories` writes each hit as jsonb from its columns instead of `to_jsonb(m) - 'embedding'`:
 * the latter detoasts every hit's 1,536-d embedding and prints its 1,536 numbers only to drop them
 * (about 0.1 ms per hit, a fifth of the function's own cost over the bare ANN query; docs/performance.md).
 * The keys are the ones `MemoryJson` (src/modules/agents/memory.view.ts) reads; a column added to
 * `memories` that a search result must show is added here too (tests/http/lists.test.ts compares every
 * search hit with the single read of the same memory, field by field).
 */
/** The function as Migration20261202050000_search_memories created it (migrations are self-contained). */
const SEARCH_MEMORIES_V1 = `create or replace function search_memories(
  p_organization_id uuid,
  p_query vector,
  p_k integer,
  p_memory_types text[] default null,
  p_agent_id uuid default null,
  p_user_id uuid default null,
  p_exclude_ids uuid[] default null,
  p_viewer_agent_id uuid default null,
  p_min_similarity double precision default null)
returns table (memory jsonb, similarity double precision)
language plpgsql volatile
set enable_seqscan = off
set enable_sort = on
set jit = off
set hnsw.iterative_scan = relaxed_order
set ivfflat.iterative_scan = relaxed_order
set ivfflat.probes = 10
as $$
begin
  if p_agent_id is null and p_user_id is null then
    set local enable_sort = off;
  end if;
  return query execute $q$
    with hits as (
      select m.id, 1 - (m.embedding <=> $2) as similarity
        from memories m
       where m.organization_id = $1
         and m.status = 'active'
         and m.embedding is not null
         and (m.expires_at is null or m.expires_at > now())
         and ($4 is null or m.memory_type::text = any($4))
         and ($5 is null or m.agent_id = $5)
         and ($6 is null or m.user_id = $6)
         and ($7 is null or m.id <> all($7))
         and ($8 is null or m.memory_type <> 'agent_private' or m.agent_id = $8)
         and ($9 is null or 1 - (m.embedding <=> $2) >= $9)
       order by m.embedding <=> $2
       limit $3
    ), touched as (
      update memories m
         set access_count = m.access_count + 1, last_accessed_at = now()
        from hits
       where m.id = hits.id and m.organization_id = $1
      returning m.id, to_jsonb(m) - 'embedding' as memory
    )
    select t.memory || jsonb_build_object('tags', coalesce(
             (select jsonb_agg(g.tag order by g.tag) from memory_tags g where g.memory_id = t.id), '[]'::jsonb)),
           h.similarity
      from touched t join hits h on h.id = t.id
     order by h.similarity desc, t.id
  $q$ using p_organization_id, p_query, p_k, p_memory_types, p_agent_id, p_user_id, p_exclude_ids,
            p_viewer_agent_id, p_min_similarity;
end $$;`;

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

export class Migration20261202070000_search_memories_columns extends Migration {
  override name = 'Migration20261202070000_search_memories_columns';

  override up(): void | Promise<void> {
    const v2 = SEARCH_MEMORIES_V1.replace(`to_jsonb(m) - 'embedding'`, MEMORY_JSON);
    if (v2 === SEARCH_MEMORIES_V1)
      throw new Error('search_memories: the expression to replace was not found');
    this.addSql(v2);
  }

  override down(): void | Promise<void> {
    this.addSql(SEARCH_MEMORIES_V1);
  }
}
