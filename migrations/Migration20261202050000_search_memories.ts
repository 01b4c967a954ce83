import { Migration } from '@mikro-orm/migrations';

/**
 * `search_memories`: seed 004's vector search (FR-8 `search_by_embedding`) in one round trip.
 *
 * The nearest active memories of an organization, their access recorded (what `update_memory_access`
 * does, done in the same statement so the rows come back with their new counts), each returned as jsonb
 * without its embedding and with its tags. The function's SET clauses hold the planner settings that keep
 * the ANN index in use with the tenant and status filters (see docs/agents.md): the 6 KB vectors are
 * TOASTed, so the planner underrates every plan that computes the distance row by row and would skip the
 * index; iterative index scans keep a filtered ANN scan from coming back short. Sorts stay allowed only
 * when an agent or user filter makes the btree path exact and cheap; the dynamic statement is planned
 * with the call's values, so that choice is made per call.
 */
const CREATE = `create or replace function search_memories(
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

export class Migration20261202050000_search_memories extends Migration {
  override name = 'Migration20261202050000_search_memories';

  override up(): void | Promise<void> {
    this.addSql(CREATE);
  }

  override down(): void | Promise<void> {
    this.addSql(
      'drop function if exists search_memories(uuid, vector, integer, text[], uuid, uuid, uuid[], uuid, double precision);',
    );
  }
}
