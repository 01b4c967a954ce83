import { exact } from '../../../http/format.js';
import { html, type Html } from '../../../http/html.js';
import type { DecisionEntry } from '../history.repository.js';
import { itemHref } from './queue.js';

export interface HistoryModel {
  entries: DecisionEntry[];
  nextUrl: string | null;
}

const KIND_OF: Record<string, 'request' | 'validation' | 'workflow'> = {
  consultation_request: 'request',
  validation: 'validation',
  workflow: 'workflow',
};

/** What happened, in words, from the audit entry's action and details. */
function what(e: DecisionEntry): string {
  const after = (e.details.after ?? {}) as Record<string, unknown>;
  switch (e.action) {
    case 'consultation_request.answered': {
      const response = (after.response ?? {}) as Record<string, unknown>;
      return `answered a request: ${String(response.choice ?? response.text ?? '')}`;
    }
    case 'consultation_request.expired':
      return 'a request expired unanswered';
    case 'consultation_request.cancelled':
      return 'a request was withdrawn';
    case 'validation.reviewed':
      return `${String(after.reviewDecision)} a validation`;
    case 'workflow.status_changed': {
      const pkg = `${String(e.details.packageName ?? '')}@${String(e.details.packageVersion ?? '')}`;
      return `package ${pkg} ${String(after.status)}: ${String(e.details.reason ?? '')}`;
    }
  }
}

const who = (e: DecisionEntry) => e.user?.name ?? (e.agent ? `agent ${e.agent.name}` : 'the system');

export function historyMain(m: HistoryModel): Html {
  return html`<h1>History of decisions</h1>
    <p class="muted">Who decided what and when, from the audit trail (newest first).</p>
    ${
      m.entries.length === 0
        ? html`<p>No decisions yet.</p>`
        : html`<div class="table-wrap">
            <table>
              <caption class="muted">
                Decisions in this organization
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Item</th>
                </tr>
              </thead>
              <tbody>
                ${m.entries.map((e) => {
                  const kind = KIND_OF[e.resourceType];
                  return html`<tr>
                    <td><time datetime="${e.at.toISOString()}">${exact(e.at)}</time></td>
                    <td>${who(e)}</td>
                    <td>${what(e)}</td>
                    <td>
                      ${kind ? html`<a href="${itemHref(kind, e.resourceId)}">open the ${kind}</a>` : ''}
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>
          </div>`
    }
    ${m.nextUrl ? html`<p><a href="${m.nextUrl}" rel="next">Older decisions</a></p>` : ''}`;
}
