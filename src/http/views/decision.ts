/** The panel an inbox item shows once it is decided: who, when, what, and their note. */
import { exact, relativeTime } from '../format.js';
import { html, type Html } from '../html.js';

export interface Decided {
  heading: string;
  /** The person's name; "someone" when it is not known. */
  who: string | null;
  verb: string;
  at: Date | null;
  answer: string;
  note?: { label: string; text: string | null | undefined };
}

export function decidedPanel(d: Decided): Html {
  return html`<div class="panel" id="decision">
    <h2>${d.heading}</h2>
    <p>
      <strong>${d.who ?? 'someone'}</strong> ${d.verb}
      ${d.at ? html`${relativeTime(d.at)} (${exact(d.at)})` : ''}:
      <strong class="answer">${d.answer}</strong>
    </p>
    ${d.note?.text ? html`<p>${d.note.label}: ${d.note.text}</p>` : ''}
  </div>`;
}
