import { relativeTime } from '../../../http/format.js';
import { html, type Html } from '../../../http/html.js';
import { pageTitle, pendingCount } from '../../../http/views/layout.js';
import {
  DECIDED_STATUSES,
  INBOX_KINDS,
  URGENCIES,
  type InboxKind,
  type QueueRow,
  type QueueSort,
  type QueueTab,
} from '../queue.types.js';

export interface QueueModel {
  tab: QueueTab;
  sort: QueueSort;
  filters: { kind?: string; status?: string; urgency?: string; agent?: string };
  agents: { id: string; name: string }[];
  counts: Record<InboxKind, number> & { total: number };
  items: QueueRow[];
  /** This page's own URL (the live refresh re-reads it). */
  selfUrl: string;
  nextUrl: string | null;
  /** Back to the first page, when this is a later one. */
  firstUrl: string | null;
  tabUrls: Record<QueueTab, string>;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export const KIND_LABELS: Record<InboxKind, string> = {
  request: 'Request',
  validation: 'Validation',
  workflow: 'Package',
};
const KIND_PATHS: Record<InboxKind, string> = {
  request: 'requests',
  validation: 'validations',
  workflow: 'workflows',
};
export const itemHref = (kind: InboxKind, id: string) => `/inbox/${KIND_PATHS[kind]}/${id}`;

const select = (name: string, label: string, current: string | undefined, options: [string, string][]) =>
  html`<div>
    <label for="filter-${name}">${label}</label>
    <select id="filter-${name}" name="${name}">
      <option value="">any</option>
      ${options.map(
        ([value, text]) =>
          html`<option value="${value}" ${value === current ? 'selected' : ''}>${text}</option>`,
      )}
    </select>
  </div>`;

function row(item: QueueRow, now: Date): Html {
  const decided = item.status !== 'pending';
  return html`<li>
    <a class="row" id="item-${item.id}" data-queue-item href="${itemHref(item.kind, item.id)}">
      <span class="kind">${KIND_LABELS[item.kind]}</span>
      <span class="title">${item.title}</span>
      <span class="when"
        >${relativeTime(decided && item.decidedAt ? item.decidedAt : item.createdAt, now)}</span
      >
      <span class="meta">
        ${
          decided
            ? html`<span class="badge ${item.status}">${item.status}</span>`
            : html`<span class="badge ${item.urgency}">${item.urgency}</span>`
        }
        ${item.agentName ? html` · ${item.agentName}` : ''} ${item.detail ? html` · ${item.detail}` : ''}
        ${decided && item.decidedBy ? html` · by ${item.decidedBy.name}` : ''}
        ${decided && item.outcome ? html`: “${item.outcome}”` : ''}
        ${!decided && item.expiresAt ? html` · expires ${relativeTime(item.expiresAt, now)}` : ''}
      </span>
    </a>
  </li>`;
}

/** The live part of the queue page: tabs, list and paging, re-read on every change in the organization. */
export function queueSection(m: QueueModel, now = new Date()): Html {
  return html`<section
    id="queue"
    aria-labelledby="queue-heading"
    hx-get="${m.selfUrl}"
    hx-trigger="sse:changed delay:150ms"
    hx-swap="outerHTML"
    hx-sync="this:replace"
  >
    <ul class="tabs">
      <li>
        <a href="${m.tabUrls.pending}" ${m.tab === 'pending' ? html`aria-current="page"` : ''}
          >Pending (<span data-pending-total>${m.counts.total}</span>)</a
        >
      </li>
      <li>
        <a href="${m.tabUrls.decided}" ${m.tab === 'decided' ? html`aria-current="page"` : ''}>Decided</a>
      </li>
    </ul>
    <p class="muted">
      ${count(m.counts.request, 'request')}, ${count(m.counts.validation, 'validation')} and
      ${count(m.counts.workflow, 'package')} wait for a decision.
    </p>
    ${
      m.items.length === 0
        ? html`<p>${m.tab === 'pending' ? 'Nothing waits for a decision.' : 'Nothing decided yet.'}</p>`
        : html`<ol class="queue" aria-label="${m.tab === 'pending' ? 'Waiting items' : 'Decided items'}">
            ${m.items.map((item) => row(item, now))}
          </ol>`
    }
    <p class="actions">
      ${m.firstUrl ? html`<a href="${m.firstUrl}">First page</a>` : ''}
      ${m.nextUrl ? html`<a href="${m.nextUrl}" rel="next">Next page</a>` : ''}
    </p>
  </section>`;
}

/** The htmx refresh: the section, the title and the header's count (out of band). */
export function queueFragment(m: QueueModel): Html {
  return html`<title>${pageTitle('Queue', m.counts.total)}</title>${queueSection(m)}${pendingCount(
      m.counts.total,
      'Queue',
      false,
      true,
    )}`;
}

export function queueMain(m: QueueModel): Html {
  const f = m.filters;
  return html`<h1 id="queue-heading">Queue</h1>
    <form class="filters" method="get" action="/inbox">
      <input type="hidden" name="tab" value="${m.tab}" />
      ${select(
        'kind',
        'Kind',
        f.kind,
        INBOX_KINDS.map((k) => [k, KIND_LABELS[k]]),
      )}
      ${
        m.tab === 'decided'
          ? select(
              'status',
              'Outcome',
              f.status,
              DECIDED_STATUSES.map((s) => [s, s]),
            )
          : ''
      }
      ${select(
        'urgency',
        'Priority',
        f.urgency,
        URGENCIES.map((u) => [u, u]),
      )}
      ${select(
        'agent',
        'Agent',
        f.agent,
        m.agents.map((a) => [a.id, a.name]),
      )}
      ${
        m.tab === 'pending'
          ? html`<div>
              <label for="filter-sort">Order</label>
              <select id="filter-sort" name="sort">
                <option value="newest" ${m.sort === 'newest' ? 'selected' : ''}>newest first</option>
                <option value="urgent" ${m.sort === 'urgent' ? 'selected' : ''}>most urgent first</option>
              </select>
            </div>`
          : ''
      }
      <button type="submit" class="secondary">Apply</button>
    </form>
    ${queueSection(m)}
    <p class="keys" id="shortcuts">
      Keyboard: <kbd>j</kbd>/<kbd>k</kbd> or arrows move through the queue, <kbd>Enter</kbd> opens; on an item
      <kbd>1</kbd>–<kbd>9</kbd> choose an option, <kbd>a</kbd> goes to the answer, <kbd>u</kbd> comes back
      here.
    </p>`;
}
