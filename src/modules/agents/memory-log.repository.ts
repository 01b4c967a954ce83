import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { EntityRepository } from '@mikro-orm/core';
import type { MemoryStatus, MemoryTier } from './enums.js';
import type { MemoryLog } from './memory-log.entity.js';

/** What a memory looked like at a moment, rebuilt from its log by `reconstruct_memory_at`. */
export interface MemoryState {
  memoryId: string;
  content: string;
  importance: number;
  tier: MemoryTier;
  status: MemoryStatus;
  /** When this state began (the log entry that produced it). */
  validFrom: Date;
}

interface StateRow {
  memory_id: string;
  content: string;
  importance: number;
  tier: MemoryTier;
  status: MemoryStatus;
  valid_from: Date | string;
}

/** Read-only: the database writes memory logs (trigger `log_memory_change`) and refuses to change them. */
export class MemoryLogRepository extends EntityRepository<MemoryLog> {
  /** A memory's history, oldest first; by its organization too, which routes it to one shard on Citus. */
  history(organizationId: string, memoryId: string): Promise<MemoryLog[]> {
    return this.find({ organizationId, memoryId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** The memory as it was at `at`, or null if it did not exist then (not yet created, or deleted). */
  async stateAt(memoryId: string, at: Date): Promise<MemoryState | null> {
    const rows = await (this.getEntityManager() as SqlEntityManager).execute<StateRow[]>(
      'select * from reconstruct_memory_at(?, ?)',
      [memoryId, at.toISOString()],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      memoryId: row.memory_id,
      content: row.content,
      importance: row.importance,
      tier: row.tier,
      status: row.status,
      validFrom: new Date(row.valid_from),
    };
  }
}
