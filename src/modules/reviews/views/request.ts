import type { Static } from 'typebox';
import { exact, relativeTime } from '../../../http/format.js';
import { html, readable, type Html } from '../../../http/html.js';
import { decidedPanel } from '../../../http/views/decision.js';
import type { DeliveryDto, RequestDto } from '../schemas.js';

export interface RequestPageModel {
  request: RequestDto;
  deliveries: Static<typeof DeliveryDto>[];
  agentName: string | null;
  assigneeName: string | null;
  respondedByName: string | null;
  /** The person may answer (role) and the request still takes an answer. */
  canAnswer: boolean;
  /** The person's role lets them answer at all (else: a viewer). */
  mayAnswer: boolean;
  csrfToken: string;
  selfUrl: string;
  notice?: 'answered' | 'taken';
  error?: string;
  draft?: { choice?: string; text?: string; comment?: string };
}

function outcome(m: RequestPageModel): Html {
  const r = m.request;
  if (r.status === 'answered' && r.response) {
    return decidedPanel({
      heading: 'Answered',
      who: m.respondedByName,
      verb: 'answered',
      at: r.respondedAt ? new Date(r.respondedAt) : null,
      answer: r.response.choice ?? r.response.text ?? '',
      note: { label: 'Comment', text: r.response.comment },
    });
  }
  if (r.status === 'pending') return html``;
  const why =
    r.status === 'expired'
      ? 'It expired before anyone answered.'
      : r.status === 'cancelled'
        ? 'The agent withdrew it.'
        : '';
  return html`<div class="panel" id="decision">
    <h2>No longer open</h2>
    <p>This request is <strong>${r.status}</strong>. ${why}</p>
  </div>`;
}

function answerForm(m: RequestPageModel): Html {
  const r = m.request;
  const d = m.draft ?? {};
  const control =
    r.answerKind === 'choice'
      ? html`<fieldset class="options">
          <legend>Your answer</legend>
          ${r.options.map(
            (option, i) =>
              html`<label>
                <input
                  type="radio"
                  name="choice"
                  value="${option}"
                  data-answer-option
                  ${i === 0 ? html`data-answer-focus` : ''}
                  ${d.choice === option ? 'checked' : ''}
                  required
                />
                ${i < 9 ? html`<kbd>${i + 1}</kbd>` : ''} ${option}
              </label>`,
          )}
        </fieldset>`
      : html`<div>
          <label for="answer-text">Your answer</label>
          <textarea id="answer-text" name="text" data-answer-focus required maxlength="10000">
${d.text ?? ''}</textarea>
        </div>`;
  return html`<form method="post" action="/inbox/requests/${r.id}/answer" class="panel" id="answer">
    <h2>Answer</h2>
    ${m.error ? html`<p class="notice error" role="alert">${m.error}</p>` : ''}
    <input type="hidden" name="_csrf" value="${m.csrfToken}" />
    ${control}
    <div>
      <label for="answer-comment">Comment <span class="muted">(optional)</span></label>
      <textarea id="answer-comment" name="comment" maxlength="2000">${d.comment ?? ''}</textarea>
    </div>
    <div class="actions"><button type="submit">Send answer</button></div>
  </form>`;
}

function deliveries(m: RequestPageModel): Html {
  if (m.deliveries.length === 0) return html`<p class="muted">No webhook sent yet.</p>`;
  return html`<div class="table-wrap">
    <table>
      <caption class="muted">
        Every attempt to tell the agent, oldest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Attempt</th>
          <th scope="col">Status</th>
          <th scope="col">HTTP</th>
          <th scope="col">When</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        ${m.deliveries.map(
          (d) =>
            html`<tr>
              <td>${d.event}</td>
              <td>${d.attempt}</td>
              <td>${d.status}</td>
              <td>${d.httpStatus ?? '—'}</td>
              <td>${exact(new Date(d.finishedAt ?? d.nextAttemptAt ?? d.createdAt))}</td>
              <td>${d.error ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function requestMain(m: RequestPageModel): Html {
  const r = m.request;
  const now = new Date();
  // The notice (the outcome of the reviewer's own action) stays outside #item, which live updates replace.
  return html`<p><a href="/inbox" data-back>← Queue</a></p>
    ${m.notice === 'answered' ? html`<p class="notice" role="status">Your answer was recorded and is on its way to the agent.</p>` : ''}
    ${
      m.notice === 'taken'
        ? html`<p class="notice error" role="alert">
            Your answer was not recorded: this request was already closed.
          </p>`
        : ''
    }
    <article
      id="item"
      hx-get="${m.selfUrl}"
      hx-trigger="sse:item-${r.id}"
      hx-select="#item"
      hx-swap="outerHTML"
    >
      <p class="kind">Request · ${r.priority} priority</p>
      <h1>${m.agentName ?? 'An agent'} asks</h1>
      <p class="question">${r.question}</p>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd><span class="badge ${r.status}">${r.status}</span></dd>
        </div>
        <div>
          <dt>Asked</dt>
          <dd>${relativeTime(new Date(r.createdAt), now)} (${exact(new Date(r.createdAt))})</dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>${relativeTime(new Date(r.expiresAt), now)} (${exact(new Date(r.expiresAt))})</dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd>${m.agentName ?? 'unknown'}</dd>
        </div>
        <div>
          <dt>Assigned to</dt>
          <dd>${m.assigneeName ?? 'anyone'}</dd>
        </div>
        <div>
          <dt>Answer</dt>
          <dd>${r.answerKind === 'choice' ? `one of: ${r.options.join(', ')}` : 'free text'}</dd>
        </div>
      </dl>
      ${outcome(m)} ${m.canAnswer ? answerForm(m) : ''}
      ${
        r.status === 'pending' && !m.mayAnswer
          ? html`<p class="notice" role="note">
              You can read this request; answering needs the member role.
            </p>`
          : ''
      }
      <h2>Context</h2>
      ${readable(r.context)}
      <h2>Metadata</h2>
      ${readable(r.metadata)}
      <h2>Webhook deliveries</h2>
      ${deliveries(m)}
    </article>`;
}
