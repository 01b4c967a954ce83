import type { Static } from 'typebox';
import { exact, relativeTime } from '../../../http/format.js';
import { html, readable, type Html } from '../../../http/html.js';
import { decidedPanel } from '../../../http/views/decision.js';
import type { SubmissionDto, WorkflowDto } from '../schemas.js';

export interface WorkflowPageModel {
  workflow: Static<typeof WorkflowDto>;
  submission: Static<typeof SubmissionDto>;
  submitterName: string | null;
  reviewerName: string | null;
  canDecide: boolean;
  mayDecide: boolean;
  csrfToken: string;
  selfUrl: string;
  notice?: 'decided' | 'taken';
  error?: string;
}

function review(m: WorkflowPageModel): Html {
  const r = m.workflow.review;
  if (!r) return html``;
  return decidedPanel({
    heading: 'Decided',
    who: m.reviewerName,
    verb: 'decided',
    at: new Date(r.reviewedAt),
    answer: r.decision,
    note: { label: 'Reason', text: r.reason },
  });
}

function form(m: WorkflowPageModel): Html {
  return html`<form
    method="post"
    action="/inbox/workflows/${m.workflow.id}/decision"
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
        <kbd>1</kbd> Approve the package</label
      >
      <label
        ><input type="radio" name="decision" value="reject" data-answer-option required /> <kbd>2</kbd> Reject
        it</label
      >
    </fieldset>
    <div>
      <label for="decision-reason">Reason</label>
      <textarea id="decision-reason" name="reason" required maxlength="2000"></textarea>
    </div>
    <div class="actions"><button type="submit">Send decision</button></div>
  </form>`;
}

export function workflowMain(m: WorkflowPageModel): Html {
  const w = m.workflow;
  const pr = w.packageRequest;
  const name = `${pr.packageName}@${pr.packageVersion}`;
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
      hx-trigger="sse:item-${w.id}"
      hx-select="#item"
      hx-swap="outerHTML"
    >
      <p class="kind">Package · ${m.submission.projectName}</p>
      <h1>May <code>${name}</code> be used?</h1>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <span class="badge ${w.status}">${w.status.replace('_', ' ')}</span>
            (${w.currentStage.replace('_', ' ')})
          </dd>
        </div>
        <div>
          <dt>License</dt>
          <dd>${pr.license ?? 'not recorded in the lockfile'}</dd>
        </div>
        <div>
          <dt>Project</dt>
          <dd>
            ${m.submission.projectName}${m.submission.projectVersion ? ` ${m.submission.projectVersion}` : ''}
          </dd>
        </div>
        <div>
          <dt>Submitted by</dt>
          <dd>${m.submitterName ?? 'unknown'}</dd>
        </div>
        <div>
          <dt>Submitted</dt>
          <dd>
            ${relativeTime(new Date(m.submission.createdAt))} (${exact(new Date(m.submission.createdAt))})
          </dd>
        </div>
        <div>
          <dt>Resolved from</dt>
          <dd>${pr.resolved ?? 'unknown'}</dd>
        </div>
        <div>
          <dt>Integrity</dt>
          <dd><code>${pr.integrity ?? 'none'}</code></dd>
        </div>
      </dl>
      ${review(m)} ${m.canDecide ? form(m) : ''}
      ${
        w.status === 'needs_review' && !m.mayDecide
          ? html`<p class="notice" role="note">
              You can read this package; approving or rejecting it needs the admin role.
            </p>`
          : ''
      }
      <h2>Checks</h2>
      ${
        w.checkResults.length === 0
          ? html`<p class="muted">No check has reported yet.</p>`
          : w.checkResults.map(
              (c) =>
                html`<section class="panel" aria-label="${c.checkType} check">
                  <h3>
                    ${c.checkType === 'LICENSE' ? 'License' : 'Vulnerabilities (Trivy)'}:
                    <span
                      class="badge ${c.status === 'fail' ? 'rejected' : c.status === 'pass' ? 'approved' : ''}"
                      >${c.status}</span
                    >
                  </h3>
                  <p class="muted">${exact(new Date(c.createdAt))}</p>
                  ${readable(c.results)}
                </section>`,
            )
      }
    </article>`;
}
