import { html, type Html } from '../../../http/html.js';

export interface SignInModel {
  csrfToken: string;
  next: string;
  email?: string;
  error?: string;
  notice?: string;
}

export function signInMain(m: SignInModel): Html {
  return html`<div class="signin">
    <h1>Sign in to the inbox</h1>
    <p class="muted">Use the email and password of your Oversight account.</p>
    ${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
    ${m.error ? html`<p class="notice error" role="alert" id="sign-in-error">${m.error}</p>` : ''}
    <form method="post" action="/inbox/login">
      <input type="hidden" name="_csrf" value="${m.csrfToken}" />
      <input type="hidden" name="next" value="${m.next}" />
      <div>
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="username"
          required
          value="${m.email ?? ''}"
          ${m.error ? html`aria-describedby="sign-in-error"` : ''}
          autofocus
        />
      </div>
      <div>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
      </div>
      <button type="submit">Sign in</button>
    </form>
  </div>`;
}
