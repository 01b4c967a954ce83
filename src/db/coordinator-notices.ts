/**
 * On Citus, the change notices the triggers of distributed tables cannot send (src/db/citus.ts,
 * `notifyFunctions`): a trigger runs on the worker that holds the shard, where nobody listens, and may not
 * NOTIFY there at all. The application sends them instead, on the coordinator, in the writing transaction
 * (a notice is delivered when that transaction commits, never for one rolled back), with the payloads the
 * triggers send on PostgreSQL and PGlite (src/db/notifications.ts, `CHANNELS`):
 *
 * - `oversight_auth` `agent:<id>` when an agent's status changes or it is deleted;
 * - `oversight_work_items` on every change of a consultation request, validation or workflow.
 *
 * Flushed entity changes are covered by the subscriber; a service that writes one of those tables with a
 * bulk statement calls `noticeWorkItems` after it. On an undistributed database the subscriber is not
 * registered and `noticeWorkItems` does nothing: the triggers notify. What no application code writes
 * (plain SQL typed into psql on a distributed database) sends no work-item notice: the live views catch up
 * on their next refresh.
 */
import type { EntityManager, EventSubscriber, FlushEventArgs, MikroORM } from '@mikro-orm/core';
import { ChangeSetType } from '@mikro-orm/core';
import { CHANNELS } from './notifications.js';
import { execute } from './sql.js';

export type WorkItemKind = 'request' | 'validation' | 'workflow';
type Op = 'INSERT' | 'UPDATE' | 'DELETE';
type Notice = [channel: string, payload: string];

const WORK_ITEMS: Record<string, WorkItemKind> = {
  ConsultationRequest: 'request',
  Validation: 'validation',
  Workflow: 'workflow',
};

const OPS: Partial<Record<ChangeSetType, Op>> = {
  [ChangeSetType.CREATE]: 'INSERT',
  [ChangeSetType.UPDATE]: 'UPDATE',
  [ChangeSetType.DELETE]: 'DELETE',
};

const workItemNotice = (kind: WorkItemKind, organizationId: string, id: string, op: Op): Notice => [
  CHANNELS.workItems,
  JSON.stringify({ organizationId, kind, id, op }),
];

const idOf = (value: unknown): string =>
  typeof value === 'object' && value !== null ? String((value as { id: unknown }).id) : String(value);

export class CoordinatorNotices implements EventSubscriber {
  afterFlush({ em, uow }: FlushEventArgs): Promise<void> {
    const notices: Notice[] = [];
    for (const changeSet of uow.getChangeSets()) {
      const op = OPS[changeSet.type];
      if (!op) continue;
      const entity = changeSet.entity as Record<string, unknown>;
      const kind = WORK_ITEMS[changeSet.meta.className];
      if (kind) notices.push(workItemNotice(kind, idOf(entity.organization), idOf(entity.id), op));
      if (
        changeSet.meta.className === 'Agent' &&
        (op === 'DELETE' || (op === 'UPDATE' && changeSet.payload.status !== undefined))
      ) {
        notices.push([CHANNELS.auth, `agent:${idOf(entity.id)}`]);
      }
    }
    return send(em, notices);
  }
}

/** Whether this ORM's database is distributed (its subscriber registered by `registerCoordinatorNotices`). */
export const distributed = (em: EntityManager): boolean =>
  [...em.getEventManager().getSubscribers()].some((s) => s instanceof CoordinatorNotices);

/** The notices of rows a bulk statement changed; nothing unless the database is distributed. */
export function noticeWorkItems(
  em: EntityManager,
  kind: WorkItemKind,
  rows: readonly { organizationId: string; id: string }[],
  op: Op = 'UPDATE',
): Promise<void> {
  if (!distributed(em)) return Promise.resolve();
  return send(
    em,
    rows.map((row) => workItemNotice(kind, row.organizationId, row.id, op)),
  );
}

async function send(em: EntityManager, notices: Notice[]): Promise<void> {
  if (notices.length === 0) return;
  await execute(em, 'select pg_notify(c, p) from unnest(array[?]::text[], array[?]::text[]) as n(c, p)', [
    notices.map((n) => n[0]),
    notices.map((n) => n[1]),
  ]);
}

/**
 * Registers the subscriber when the connected database has its tenant tables distributed by Citus (two
 * catalogue queries on a Citus coordinator, one elsewhere). Call once after connecting; a database
 * distributed later is noticed by the next start.
 */
export async function registerCoordinatorNotices(orm: MikroORM): Promise<boolean> {
  const em = orm.em.fork();
  const [{ citus }] = await execute<[{ citus: boolean }]>(
    em,
    `select to_regclass('pg_catalog.pg_dist_partition') is not null as citus`,
  );
  if (!citus) return false;
  const [{ yes }] = await execute<[{ yes: boolean }]>(
    em,
    `select exists (select 1 from pg_dist_partition where logicalrelid::text = 'consultation_requests') as yes`,
  );
  if (yes) orm.em.getEventManager().registerSubscriber(new CoordinatorNotices());
  return yes;
}
