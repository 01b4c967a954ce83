/** Small formatting helpers for pages: times shown relative to now, with the exact instant machine-readable. */
import { html, type Html } from './html.js';

function span(ms: number): string {
  const abs = Math.abs(ms);
  const s = Math.round(abs / 1000);
  if (s < 45) return 'less than a minute';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** "5 min ago" / "in 3 h", inside a <time> carrying the exact UTC instant. */
export function relativeTime(date: Date, now = new Date()): Html {
  const delta = date.getTime() - now.getTime();
  const text = delta > 0 ? `in ${span(delta)}` : `${span(delta)} ago`;
  return html`<time datetime="${date.toISOString()}" title="${exact(date)}">${text}</time>`;
}

/** "2026-12-02 14:05 UTC". */
export const exact = (date: Date): string => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
