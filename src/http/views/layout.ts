/**
 * The page shell every inbox page shares: head (assets, htmx configured for a CSP without inline script
 * or eval), the header with navigation, organization switcher and sign-out, the live connection.
 */
import { html, type Html } from '../html.js';

export interface AssetUrls {
  css: string;
  htmx: string;
  sse: string;
  inbox: string;
}

/** Who is signed in, as the header shows it. */
export interface Chrome {
  csrfToken: string;
  person: { name: string; email: string };
  role: string | null;
  organizations: { id: string; name: string; current: boolean }[];
  canSeeHistory: boolean;
  pendingCount: number;
}

export interface PageModel {
  title: string;
  main: Html;
  chrome: Chrome | null;
  /** Which navigation entry is the current page. */
  current?: 'queue' | 'history';
  /**
   * Whether the header's pending count refreshes itself on live events. The queue page refreshes it with
   * its list instead (out of band), so it sets false.
   */
  liveCount?: boolean;
}

export const pageTitle = (title: string, pending: number | null) =>
  `${pending ? `(${pending}) ` : ''}${title} · Oversight inbox`;

/** The header's pending count; also sent out of band with every queue refresh. */
export function pendingCount(count: number, page: string, live: boolean, oob = false): Html {
  return html`<a
    id="pending-count"
    href="/inbox"
    ${oob ? html`hx-swap-oob="true"` : ''}
    ${
      live
        ? html`hx-get="/inbox/count" hx-vals='${JSON.stringify({ page })}' hx-trigger="sse:changed
          delay:150ms" hx-swap="outerHTML" hx-sync="this:replace"`
        : ''
    }
    >${count} pending</a
  >`;
}

function header(chrome: Chrome, m: PageModel): Html {
  const current = chrome.organizations.find((o) => o.current);
  return html`<header class="top">
    <a class="brand" href="/inbox">Oversight inbox</a>
    <nav aria-label="Inbox">
      <ul>
        <li><a href="/inbox" ${m.current === 'queue' ? html`aria-current="page"` : ''}>Queue</a></li>
        ${
          chrome.canSeeHistory
            ? html`<li>
                <a href="/inbox/history" ${m.current === 'history' ? html`aria-current="page"` : ''}
                  >History</a
                >
              </li>`
            : ''
        }
        <li>${pendingCount(chrome.pendingCount, m.title, m.liveCount !== false)}</li>
      </ul>
    </nav>
    <div class="who">
      ${
        chrome.organizations.length > 1
          ? html`<form method="post" action="/inbox/organization">
              <input type="hidden" name="_csrf" value="${chrome.csrfToken}" />
              <label for="organization-switch" class="muted">Organization</label>
              <select id="organization-switch" name="organizationId">
                ${chrome.organizations.map(
                  (o) => html`<option value="${o.id}" ${o.current ? 'selected' : ''}>${o.name}</option>`,
                )}
              </select>
              <button type="submit" class="secondary">Switch</button>
            </form>`
          : html`<span class="muted">${current?.name ?? 'no organization'}</span>`
      }
      <span
        >${chrome.person.name}${chrome.role ? html` <span class="muted">(${chrome.role})</span>` : ''}</span
      >
      <form method="post" action="/inbox/logout">
        <input type="hidden" name="_csrf" value="${chrome.csrfToken}" />
        <button type="submit" class="secondary">Sign out</button>
      </form>
    </div>
  </header>`;
}

export function layout(m: PageModel, assets: AssetUrls): Html {
  const live = m.chrome
    ? html`hx-ext="sse" sse-connect="/inbox/events"
      hx-headers='${JSON.stringify({
        'X-CSRF-Token': m.chrome.csrfToken,
      })}'`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          name="htmx-config"
          content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true}'
        />
        <title>${pageTitle(m.title, m.chrome?.pendingCount ?? null)}</title>
        <link rel="stylesheet" href="${assets.css}" />
        <script src="${assets.htmx}" defer></script>
        <script src="${assets.sse}" defer></script>
        <script src="${assets.inbox}" defer></script>
      </head>
      <body ${live}>
        <a class="skip" href="#main">Skip to content</a>
        ${m.chrome ? header(m.chrome, m) : ''}
        <main id="main" tabindex="-1">${m.main}</main>
      </body>
    </html>`;
}
