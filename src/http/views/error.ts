import { html, type Html } from '../html.js';

const HEADINGS: Record<number, string> = {
  400: 'That did not work',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Already changed',
  413: 'Too large',
  422: 'That did not work',
  429: 'Too many attempts',
  503: 'Try again shortly',
};

export const errorHeading = (status: number) => HEADINGS[status] ?? 'Something went wrong';

/** The body of an error page: what happened, in the service's words, and the way back. */
export function errorMain(status: number, message: string): Html {
  return html`<h1>${errorHeading(status)}</h1>
    <p class="notice error" role="alert">${message}</p>
    <p><a href="/inbox" data-back>Back to the inbox</a></p>`;
}
