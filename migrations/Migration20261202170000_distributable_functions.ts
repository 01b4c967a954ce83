import { Migration } from '@mikro-orm/migrations';

/**
 * Two of seed 004's functions in a form Citus can run on tables distributed by organization (issue 13,
 * docs/scale-out.md); on PostgreSQL and PGlite they answer exactly as before.
 *
 * - `search_memories`: three statements instead of one with a data-modifying CTE. Citus refuses a
 *   modification whose RETURNING or CASE/COALESCE calls a non-IMMUTABLE function (the jsonb of a timestamp
 *   depends on the time zone), which the one-statement form needed. Now: the hits by the ANN index (under
 *   the function's planner settings, as before), then their access recorded (the rows locked in id order
 *   first, so concurrent searches with common hits queue rather than deadlock), then the rows read back with
 *   their new counts, each statement naming the organization so Citus routes it to one shard. The result
 *   (keys, order, counts) is the same.
 * - `reconstruct_memory_at`: PL/pgSQL with its query run by EXECUTE. Citus cannot plan a parameterized query
 *   of a SQL function over a distributed table; the same query, with its values, plans as any other. Its
 *   lookup of the memory's created_at names the organization too (a join Citus keeps on one shard).
 */
/** A hit as jsonb, from its columns (the keys `MemoryJson` reads; migration 20261202070000). */
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

const SEARCH_MEMORIES = `create or replace function search_memories(
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
declare
  hit_ids uuid[];
  hit_similarities double precision[];
begin
  if p_agent_id is null and p_user_id is null then
    set local enable_sort = off;
  end if;
  execute $q$
    select coalesce(array_agg(h.id), '{}'), coalesce(array_agg(h.similarity), '{}') from (
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
       limit $3) h
  $q$ into hit_ids, hit_similarities
  using p_organization_id, p_query, p_k, p_memory_types, p_agent_id, p_user_id, p_exclude_ids,
        p_viewer_agent_id, p_min_similarity;
  if cardinality(hit_ids) = 0 then
    return;
  end if;
  -- sorts off was for the ANN scan only: the ten hits are sorted in memory (else locking them in id order
  -- walks the organization's whole primary key)
  set local enable_sort = on;
  -- the hits locked in id order first: concurrent searches with common hits then queue instead of
  -- deadlocking (an UPDATE alone visits the rows in whatever order its scan finds them)
  perform 1 from memories m
    where m.organization_id = p_organization_id and m.id = any(hit_ids)
    order by m.id for no key update;
  update memories m set access_count = m.access_count + 1, last_accessed_at = now()
   where m.organization_id = p_organization_id and m.id = any(hit_ids);
  return query
    select ${MEMORY_JSON} || jsonb_build_object('tags', coalesce(
             (select jsonb_agg(g.tag order by g.tag) from memory_tags g
               where g.organization_id = p_organization_id and g.memory_id = m.id), '[]'::jsonb)),
           hit_similarities[array_position(hit_ids, m.id)]
      from memories m
     where m.organization_id = p_organization_id and m.id = any(hit_ids)
     order by 2 desc, m.id;
end $$;`;

/** The definition this migration replaced (migrations 20261202050000 and 20261202070000). */
const SEARCH_MEMORIES_BEFORE = `create or replace function search_memories(
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
      returning m.id, ${MEMORY_JSON} as memory
    )
    select t.memory || jsonb_build_object('tags', coalesce(
             (select jsonb_agg(g.tag order by g.tag) from memory_tags g where g.memory_id = t.id), '[]'::jsonb)),
           h.similarity
      from touched t join hits h on h.id = t.id
     order by h.similarity desc, t.id
  $q$ using p_organization_id, p_query, p_k, p_memory_types, p_agent_id, p_user_id, p_exclude_ids,
            p_viewer_agent_id, p_min_similarity;
end $$;`;

const RECONSTRUCT_MEMORY_AT = `create or replace function reconstruct_memory_at(p_memory_id uuid, p_timestamp timestamptz)
returns table (memory_id uuid, content text, importance integer, tier memory_tier, status memory_status, valid_from timestamptz)
language plpgsql stable as $$
begin
  return query execute $q$
    select l.memory_id, l.new_content, l.new_importance, l.new_tier, l.new_status, l.valid_from
    from (
      select e.* from (
        select ml.*, case when ml.action = 'created'
            then least(ml.created_at, coalesce((select m.created_at from memories m
              where m.organization_id = ml.organization_id and m.id = ml.memory_id), ml.created_at))
            else ml.created_at end as valid_from
        from memory_logs ml
        where ml.memory_id = $1
      ) e
      where e.valid_from <= $2
      order by e.valid_from desc, e.id desc
      limit 1
    ) l
    where l.action <> 'deleted'
  $q$ using p_memory_id, p_timestamp;
end $$;`;

/** The definition this migration replaced (migration 20261202032712, `RECONSTRUCT_AFTER`). */
const RECONSTRUCT_MEMORY_AT_BEFORE = `create or replace function reconstruct_memory_at(p_memory_id uuid, p_timestamp timestamptz)
returns table (memory_id uuid, content text, importance integer, tier memory_tier, status memory_status, valid_from timestamptz)
language sql stable as $$
  select l.memory_id, l.new_content, l.new_importance, l.new_tier, l.new_status, l.valid_from
  from (
    select e.* from (
      select ml.*, case when ml.action = 'created'
          then least(ml.created_at, coalesce((select m.created_at from memories m where m.id = ml.memory_id), ml.created_at))
          else ml.created_at end as valid_from
      from memory_logs ml
      where ml.memory_id = p_memory_id
    ) e
    where e.valid_from <= p_timestamp
    order by e.valid_from desc, e.id desc
    limit 1
  ) l
  where l.action <> 'deleted'
$$;`;

export class Migration20261202170000_distributable_functions extends Migration {
  override name = 'Migration20261202170000_distributable_functions';

  override up(): void | Promise<void> {
    this.addSql(SEARCH_MEMORIES);
    this.addSql(RECONSTRUCT_MEMORY_AT);
  }

  override down(): void | Promise<void> {
    this.addSql(SEARCH_MEMORIES_BEFORE);
    this.addSql(RECONSTRUCT_MEMORY_AT_BEFORE);
  }
}
