/**
 * HTML templates as typed TypeScript functions. `html` is a tagged template that escapes every
 * interpolated value unless it is already `Html` (the output of another `html` template), so text that
 * agents wrote (questions, context, metadata) can only ever reach a page as text. Arrays are joined;
 * null, undefined and false render nothing. `raw` is never used on data.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export const escapeHtml = (value: string): string => value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);

/** Markup that is already safe (built by `html`). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Renderable = Html | string | number | boolean | null | undefined | Date | readonly Renderable[];

function render(value: Renderable): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((v: Renderable) => render(v)).join('');
  if (value instanceof Date) return escapeHtml(value.toISOString());
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** A JSON value shown readably: objects as definition lists, arrays as lists, scalars as text. */
export function readable(value: unknown, depth = 0): Html {
  if (value === null || value === undefined) return html`<span class="muted">none</span>`;
  if (typeof value !== 'object') return html`${String(value)}`;
  if (depth > 6) return html`<code>${JSON.stringify(value)}</code>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="muted">none</span>`;
    if (value.every((v) => v === null || typeof v !== 'object')) return html`${value.map(String).join(', ')}`;
    return html`<ol class="readable">
      ${value.map((v) => html`<li>${readable(v, depth + 1)}</li>`)}
    </ol>`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  return html`<dl class="readable">
    ${entries.map(
      ([k, v]) =>
        html`<div>
          <dt>${humanize(k)}</dt>
          <dd>${readable(v, depth + 1)}</dd>
        </div>`,
    )}
  </dl>`;
}

/** `retryCount` → "Retry count", `trace_id` → "Trace id". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}
