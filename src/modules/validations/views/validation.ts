import { exact, relativeTime } from '../../../http/format.js';
import { html, type Html } from '../../../http/html.js';
import { decidedPanel } from '../../../http/views/decision.js';
import type { ValidationDto } from '../schemas.js';

export interface ValidationPageModel {
  validation: ValidationDto;
  reviewerName: string | null;
  canReview: boolean;
  mayReview: boolean;
  csrfToken: string;
  selfUrl: string;
  notice?: 'decided' | 'taken';
  error?: string;
}

const DECISION_WORDS: Record<string, string> = {
  approved: 'approved',
  approved_with_warnings: 'approved with warnings',
  needs_review: 'needs a person',
  rejected: 'rejected',
};

function review(m: ValidationPageModel): Html {
  const r = m.validation.review;
  if (!r) return html``;
  return decidedPanel({
    heading: 'Decided',
    who: m.reviewerName,
    verb: 'decided',
    at: new Date(r.reviewedAt),
    answer: r.decision,
    note: { label: 'Comment', text: r.comment },
  });
}

function form(m: ValidationPageModel): Html {
  return html`<form
    method="post"
    action="/inbox/validations/${m.validation.id}/review"
    class="panel"
    id="answer"
  >
    <h2>Decide</h2>
    ${m.error ? html`<p class="notice error" role="alert">${m.error}</p>` : ''}
    <input type="hidden" name="_csrf" value="${m.csrfToken}" />
    <fieldset class="options">
      <legend>Your decision</legend>
      <label
        ><input type="radio" name="decision" value="approve" data-answer-option data-answer-focus required />
        <kbd>1</kbd> Approve: the action may proceed</label
      >
      <label
        ><input type="radio" name="decision" value="reject" data-answer-option required />
        <kbd>2</kbd> Reject: the action must not happen</label
      >
    </fieldset>
    <div>
      <label for="review-comment">Comment <span class="muted">(optional)</span></label>
      <textarea id="review-comment" name="comment" maxlength="2000"></textarea>
    </div>
    <div class="actions"><button type="submit">Send decision</button></div>
  </form>`;
}

export function validationMain(m: ValidationPageModel): Html {
  const v = m.validation;
  const agent = v.registeredAgent?.name ?? v.agentId;
  // The notice (the outcome of the reviewer's own action) stays outside #item, which live updates replace.
  return html`<p><a href="/inbox" data-back>← Queue</a></p>
    ${m.notice === 'decided' ? html`<p class="notice" role="status">Your decision was recorded.</p>` : ''}
    ${
      m.notice === 'taken'
        ? html`<p class="notice error" role="alert">
            Your decision was not recorded: someone decided first.
          </p>`
        : ''
    }
    <article
      id="item"
      hx-get="${m.selfUrl}"
      hx-trigger="sse:item-${v.id}"
      hx-select="#item"
      hx-swap="outerHTML"
    >
      <p class="kind">Validation · ${v.actionType}</p>
      <h1>${agent} wants to run <code>${v.actionType}</code></h1>
      <p class="question">${v.actionDescription}</p>
      <dl class="facts">
        <div>
          <dt>The human layer</dt>
          <dd>${DECISION_WORDS[v.decision] ?? v.decision}</dd>
        </div>
        <div>
          <dt>Veto level</dt>
          <dd>${v.vetoLevel}</dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd>${agent}${v.registeredAgent ? '' : html` <span class="muted">(not registered)</span>`}</dd>
        </div>
        <div>
          <dt>Reported</dt>
          <dd>${relativeTime(new Date(v.createdAt))} (${exact(new Date(v.createdAt))})</dd>
        </div>
        <div>
          <dt>Organization tier</dt>
          <dd>${v.organization.tier}</dd>
        </div>
      </dl>
      ${review(m)} ${m.canReview ? form(m) : ''}
      ${
        !v.review && v.decision === 'needs_review' && !m.mayReview
          ? html`<p class="notice" role="note">
              You can read this validation; deciding needs the member role.
            </p>`
          : ''
      }
      <h2>Findings (${v.findings.length})</h2>
      ${
        v.findings.length === 0
          ? html`<p class="muted">No findings.</p>`
          : html`<ol class="readable">
              ${v.findings.map(
                (f) =>
                  html`<li>
                    <span
                      class="badge ${f.severity === 'critical' ? 'urgent' : f.severity === 'high' ? 'high' : ''}"
                      >${f.severity}</span
                    >
                    <strong>${f.title}</strong> <span class="muted">(${f.layerId})</span>
                    <p>${f.description}</p>
                  </li>`,
              )}
            </ol>`
      }
    </article>`;
}
