/**
 * Trigger definitions (entity metadata, so the schema diff keeps them) that NOTIFY the channels of
 * `src/db/notifications.ts` through two shared functions written by the notifications migration.
 * NOTIFY is transactional: listeners hear of a change when it commits, never of one rolled back.
 */
import type { TriggerDef } from '@mikro-orm/core';

/**
 * `oversight_auth` with `<kind>:<value of column>` when a row changes in a way authentication relies on:
 * every delete, every insert when `onInsert`, and updates that change one of `columns`.
 */
export function authNotifyTriggers(
  table: string,
  kind: string,
  column: string,
  columns: string[],
  onInsert = false,
): TriggerDef[] {
  const trigger = (event: 'insert' | 'update' | 'delete', when?: string): TriggerDef => ({
    name: `${table}_notify_auth_${event}`,
    timing: 'after',
    events: [event],
    expression:
      `create trigger "${table}_notify_auth_${event}" after ${event} on "${table}" for each row ` +
      `${when ? `when (${when}) ` : ''}execute function notify_auth_change('${kind}', '${column}')`,
  });
  return [
    trigger('update', columns.map((c) => `OLD.${c} is distinct from NEW.${c}`).join(' or ')),
    trigger('delete'),
    ...(onInsert ? [trigger('insert')] : []),
  ];
}

/** `oversight_work_items` with `{ organizationId, kind, id, op }` on every insert, update and delete. */
export function workItemNotifyTrigger(
  table: string,
  kind: 'request' | 'validation' | 'workflow',
): TriggerDef {
  const name = `${table}_notify_work_item`;
  return {
    name,
    timing: 'after',
    events: ['insert', 'update', 'delete'],
    expression:
      `create trigger "${name}" after insert or update or delete on "${table}" for each row ` +
      `execute function notify_work_item_change('${kind}')`,
  };
}
