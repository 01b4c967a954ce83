/** The shapes of the inbox queue: what kinds of items wait, their statuses and urgencies, a page. */

export const INBOX_KINDS = ['request', 'validation', 'workflow'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

/**
 * One status across kinds: `pending` waits for a person; a request ends `answered`, `expired` or
 * `cancelled`; a validation or a workflow ends `approved` or `rejected` by a person.
 */
export const INBOX_STATUSES = [
  'pending',
  'answered',
  'approved',
  'rejected',
  'expired',
  'cancelled',
] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];
export const DECIDED_STATUSES = INBOX_STATUSES.filter((s) => s !== 'pending');

/**
 * Urgency, most urgent first (its index is the rank the queue sorts by). A request's is its priority; a
 * validation with a medium veto (a person must confirm) is `high`, any other `normal`; workflows are `normal`.
 */
export const URGENCIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const QUEUE_TABS = ['pending', 'decided'] as const;
export type QueueTab = (typeof QUEUE_TABS)[number];
/** Pending items: `newest` first, or most `urgent` first (then the longest waiting). Decided: latest first. */
export const QUEUE_SORTS = ['newest', 'urgent'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export interface QueueFilter {
  organizationId: string;
  tab: QueueTab;
  sort: QueueSort;
  kind?: InboxKind;
  status?: InboxStatus;
  urgency?: Urgency;
  agentId?: string;
}

/** One line of the queue: enough to recognise the item and open it (the item page shows the rest). */
export interface QueueRow {
  kind: InboxKind;
  id: string;
  /** The question, the action, or the package name@version (at most 280 characters). */
  title: string;
  /** The options of a choice question, the action type, or the project. */
  detail: string | null;
  status: InboxStatus;
  urgency: Urgency;
  agentId: string | null;
  /** The agent's name, or a validation's external agent identifier. */
  agentName: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  decidedAt: Date | null;
  decidedBy: { id: string; name: string } | null;
  /** The answer (choice or text), or the reviewer's comment or reason. */
  outcome: string | null;
}

export interface QueuePage {
  items: QueueRow[];
  nextCursor: string | null;
}
