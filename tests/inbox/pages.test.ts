/**
 * The inbox's pages through `inject`: sessions and their cookie, CSRF, security headers, agent text as
 * text, answering each kind, one winner, roles and tenant walls. The browser suite drives the same pages
 * in Chromium; this one checks what a browser cannot see (rows written, headers, refusals).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/modules/identity/api-key.entity.js';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { User } from '../../src/modules/identity/user.entity.js';
import { WebSession } from '../../src/modules/identity/web-session.entity.js';
import { Workflow } from '../../src/modules/packages/workflow.entity.js';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMember, makeAgent, person, TEST_PASSWORD, type Person } from '../support/factories.js';
import {
  csrfIn,
  makeValidation,
  makeWorkflowNeedingReview,
  postForm,
  webSession,
  type WebSession as Session,
} from '../support/inbox.factories.js';
import { makeRequest } from '../support/reviews.factories.js';

let t: TestApp;
let owner: Person;
let member: Person;
let viewer: Person;
let stranger: Person;
let ownerWeb: Session;
let memberWeb: Session;
let viewerWeb: Session;

beforeAll(async () => {
  t = await createTestApp();
  const em = t.em();
  owner = await person(em, 'owner');
  member = await person(em, 'member', owner.organization);
  viewer = await person(em, 'viewer', owner.organization);
  stranger = await person(em, 'owner');
  [ownerWeb, memberWeb, viewerWeb] = [
    await webSession(t, owner),
    await webSession(t, member),
    await webSession(t, viewer),
  ];
});

afterAll(async () => {
  await t?.close();
});

const get = (url: string, s?: Session) => t.app.inject({ method: 'GET', url, headers: s?.headers ?? {} });

describe('signing in and out', () => {
  it('sends a visitor without a session to the sign-in form, and back afterwards', async () => {
    const response = await get('/inbox/requests/01a234dc-d0da-71af-995d-cd899da1f9ea');
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(
      '/inbox/login?next=%2Finbox%2Frequests%2F01a234dc-d0da-71af-995d-cd899da1f9ea',
    );
    const form = await get(response.headers.location as string);
    expect(form.body).toContain('value="/inbox/requests/01a234dc-d0da-71af-995d-cd899da1f9ea"');
  });

  it('keeps the session in an HttpOnly, SameSite cookie scoped to the inbox, for 12 hours at most', async () => {
    const form = await get('/inbox/login');
    const signIn = String(form.headers['set-cookie']).match(/oversight_sign_in=([^;]+)/)![1];
    const response = await t.app.inject({
      method: 'POST',
      url: '/inbox/login',
      headers: { cookie: `oversight_sign_in=${signIn}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: csrfIn(form.body),
        email: member.user.email.toUpperCase(),
        password: TEST_PASSWORD,
        next: 'https://evil.example/steal',
      }).toString(),
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/inbox'); // never another site
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(
      /^oversight_session=[A-Za-z0-9_-]{43}; Max-Age=4319\d; Path=\/inbox; HttpOnly; SameSite=Lax$/,
    );
    const token = cookie.split(';')[0]!.split('=')[1]!;
    const rows = await t
      .em()
      .find(WebSession, { user: member.user.id }, { fields: ['tokenHash', 'expiresAt'] });
    expect(rows.some((r) => r.tokenHash === token)).toBe(false); // only its hash is stored
  });

  it('answers a wrong password and an unknown email the same', async () => {
    const attempt = async (email: string) => {
      const form = await get('/inbox/login');
      const signIn = String(form.headers['set-cookie']).match(/oversight_sign_in=([^;]+)/)![1];
      return t.app.inject({
        method: 'POST',
        url: '/inbox/login',
        headers: {
          cookie: `oversight_sign_in=${signIn}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams({
          _csrf: csrfIn(form.body),
          email,
          password: 'wrong-password-1',
        }).toString(),
      });
    };
    const wrong = await attempt(owner.user.email);
    const unknown = await attempt('nobody-at-all@example.test');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const message = (body: string) => /role="alert"[^>]*>([^<]+)</.exec(body)![1];
    expect(message(wrong.body)).toBe('wrong email or password');
    expect(message(unknown.body)).toBe(message(wrong.body));
    expect(wrong.headers['set-cookie']).not.toMatch(/oversight_session=/);
  });

  it('refuses a sign-in form without its token (login CSRF)', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/inbox/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: 'guess',
        email: owner.user.email,
        password: TEST_PASSWORD,
      }).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie'] ?? '').not.toMatch(/oversight_session=/);
  });

  it('ends the session at once on sign-out: the cookie stops working and the key is revoked', async () => {
    const session = await webSession(t, member);
    expect((await get('/inbox', session)).statusCode).toBe(200);
    const out = await postForm(t, session, '/inbox/logout', {});
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/oversight_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await get('/inbox', session)).statusCode).toBe(303);
    const row = await t.em().findOneOrFail(
      WebSession,
      { user: member.user.id, endedAt: { $ne: null } },
      {
        populate: ['apiKey'],
      },
    );
    expect(row.apiKey.getEntity().revokedAt).toBeInstanceOf(Date);
    expect(await t.em().count(AuditLog, { action: 'web_session.ended', resourceId: row.id })).toBe(1);
  });

  it('ends every session of a deactivated person at once', async () => {
    const em = t.em();
    const leaving = await person(em, 'member', owner.organization);
    const session = await webSession(t, leaving);
    expect((await get('/inbox', session)).statusCode).toBe(200);
    await em.nativeUpdate(User, { id: leaving.user.id }, { isActive: false });
    expect((await get('/inbox', session)).statusCode).toBe(303);
  });

  it('switches between the organizations a person belongs to, and only those', async () => {
    const em = t.em();
    const second = await person(em, 'owner');
    await addMember(em, owner.organization, 'viewer', second.user);
    const session = await webSession(t, second);
    const before = await get('/inbox', session);
    expect(before.body).toContain('id="organization-switch"');
    const moved = await postForm(t, session, '/inbox/organization', {
      organizationId: owner.organization.id,
    });
    expect(moved.statusCode).toBe(303);
    expect((await get('/inbox', session)).body).toMatch(/\(viewer\)/);
    const refused = await postForm(t, session, '/inbox/organization', {
      organizationId: stranger.organization.id,
    });
    expect(refused.statusCode).toBe(404);
  });
});

describe('every page', () => {
  it('carries a Content-Security-Policy without inline script and the usual security headers', async () => {
    const response = await get('/inbox', ownerWeb);
    expect(response.statusCode).toBe(200);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('same-origin');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull(); // every script is a file
    expect(response.body).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either
  });

  it('shows agent text as text: a question and context holding markup and script', async () => {
    const em = t.em();
    const agent = await makeAgent(em, owner.organization, { name: '<img src=x onerror=alert(2)>' });
    const request = await makeRequest(em, owner.organization, agent, {
      question: '<script>alert("pwned")</script> Ship it?',
    });
    request.context = {
      note: '<b onmouseover="alert(3)">bold</b>',
      '<i>key</i>': ['</dd><script>x()</script>'],
    };
    await em.flush();
    for (const url of ['/inbox', `/inbox/requests/${request.id}`]) {
      const body = (await get(url, ownerWeb)).body;
      expect(body).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Ship it?');
      expect(body).not.toContain('<script>alert');
      expect(body).not.toContain('<img src=x');
      expect(body).toContain('&lt;img src=x onerror=alert(2)&gt;');
    }
    const item = (await get(`/inbox/requests/${request.id}`, ownerWeb)).body;
    expect(item).toContain('&lt;b onmouseover=&quot;alert(3)&quot;&gt;bold&lt;/b&gt;');
    expect(item).not.toContain('<script>x()');
  });
});

describe('answering', () => {
  it('records an answer through the same service as the API, then the page says who answered what', async () => {
    const em = t.em();
    const agent = await makeAgent(em, owner.organization);
    const request = await makeRequest(em, owner.organization, agent, { options: ['approve', 'reject'] });
    const page = await get(`/inbox/requests/${request.id}`, memberWeb);
    expect(page.body).toMatch(/name="choice"\s+value="approve"/);
    const answered = await postForm(t, memberWeb, `/inbox/requests/${request.id}/answer`, {
      choice: 'reject',
      comment: 'not this week',
    });
    expect(answered.statusCode).toBe(303);
    expect(answered.headers.location).toBe(`/inbox/requests/${request.id}?notice=answered`);
    const row = await t.em().findOneOrFail(ConsultationRequest, { id: request.id });
    expect(row).toMatchObject({
      status: 'answered',
      response: { choice: 'reject', comment: 'not this week' },
    });
    expect(row.respondedBy?.id).toBe(member.user.id);
    const audit = await t.em().findOneOrFail(AuditLog, {
      action: 'consultation_request.answered',
      resourceId: request.id,
    });
    expect(audit.userId).toBe(member.user.id);
    const session = await t.em().findOneOrFail(
      WebSession,
      { tokenHash: { $ne: '' }, user: member.user.id, endedAt: null },
      {
        orderBy: { createdAt: 'asc' },
      },
    );
    expect(audit.apiKeyId).toBe(session.apiKey.id); // the session's own key, as for any API call

    // The second reviewer, a moment late, is told who answered first and what, not shown an error.
    const late = await postForm(t, ownerWeb, `/inbox/requests/${request.id}/answer`, { choice: 'approve' });
    expect(late.statusCode).toBe(303);
    expect(late.headers.location).toBe(`/inbox/requests/${request.id}?notice=taken`);
    const told = await get(late.headers.location as string, ownerWeb);
    expect(told.statusCode).toBe(200);
    expect(told.body).toContain('Your answer was not recorded');
    expect(told.body).toMatch(
      new RegExp(`<strong>Test User</strong> answered[\\s\\S]*<strong class="answer">reject</strong>`),
    );
    expect((await t.em().findOneOrFail(ConsultationRequest, { id: request.id })).response).toMatchObject({
      choice: 'reject',
    });
  });

  it('keeps the reviewer on the page with the reason when an answer does not fit', async () => {
    const em = t.em();
    const request = await makeRequest(em, owner.organization, null, { answerKind: 'text' });
    const response = await postForm(t, memberWeb, `/inbox/requests/${request.id}/answer`, { text: '   ' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('this request takes a free-text answer');
    expect((await t.em().findOneOrFail(ConsultationRequest, { id: request.id })).status).toBe('pending');
  });

  it('decides a validation that needs review, once', async () => {
    const validation = await makeValidation(t.em(), owner.organization);
    const decided = await postForm(t, memberWeb, `/inbox/validations/${validation.id}/review`, {
      decision: 'approve',
      comment: 'window agreed with ops',
    });
    expect(decided.headers.location).toBe(`/inbox/validations/${validation.id}?notice=decided`);
    const row = await t.em().findOneOrFail(Validation, { id: validation.id });
    expect(row).toMatchObject({ reviewDecision: 'approved', reviewComment: 'window agreed with ops' });
    const late = await postForm(t, ownerWeb, `/inbox/validations/${validation.id}/review`, {
      decision: 'reject',
    });
    expect(late.headers.location).toBe(`/inbox/validations/${validation.id}?notice=taken`);
    expect((await get(`/inbox/validations/${validation.id}`, ownerWeb)).body).toContain(
      '<strong class="answer">approved</strong>',
    );
  });

  it('lets admins decide a package workflow; members read it without a form', async () => {
    const workflow = await makeWorkflowNeedingReview(t.em(), owner.organization);
    const asMember = await get(`/inbox/workflows/${workflow.id}`, memberWeb);
    expect(asMember.body).not.toContain(`action="/inbox/workflows/${workflow.id}/decision"`);
    expect(asMember.body).toContain('needs the admin role');
    expect(asMember.body).toContain('SEE LICENSE IN LICENSE.md');
    const refused = await postForm(t, memberWeb, `/inbox/workflows/${workflow.id}/decision`, {
      decision: 'approve',
      reason: 'looks fine',
    });
    expect(refused.statusCode).toBe(403);
    const decided = await postForm(t, ownerWeb, `/inbox/workflows/${workflow.id}/decision`, {
      decision: 'reject',
      reason: 'license unclear',
    });
    expect(decided.statusCode).toBe(303);
    const row = await t.em().findOneOrFail(Workflow, { id: workflow.id });
    expect(row).toMatchObject({ status: 'rejected', reviewReason: 'license unclear' });
    expect(row.reviewedBy?.id).toBe(owner.user.id);
  });
});

describe('refusals', () => {
  it('refuses a state change without the CSRF token, with a wrong one, or from another site, and writes nothing', async () => {
    const request = await makeRequest(t.em(), owner.organization, null);
    const url = `/inbox/requests/${request.id}/answer`;
    const missing = await postForm(t, memberWeb, url, { choice: 'approve' }, null);
    const wrong = await postForm(t, memberWeb, url, { choice: 'approve' }, ownerWeb.csrf);
    const crossSite = await t.app.inject({
      method: 'POST',
      url,
      headers: {
        ...memberWeb.headers,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: memberWeb.csrf, choice: 'approve' }).toString(),
    });
    for (const response of [missing, wrong, crossSite]) {
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
    }
    expect((await t.em().findOneOrFail(ConsultationRequest, { id: request.id })).status).toBe('pending');
    expect(await t.em().count(AuditLog, { resourceId: request.id })).toBe(0);
  });

  it('lets a viewer read but not answer', async () => {
    const request = await makeRequest(t.em(), owner.organization, null);
    const page = await get(`/inbox/requests/${request.id}`, viewerWeb);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(`action="/inbox/requests/${request.id}/answer"`);
    expect(page.body).toContain('answering needs the member role');
    const refused = await postForm(t, viewerWeb, `/inbox/requests/${request.id}/answer`, {
      choice: 'approve',
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('needs the member role');
    expect((await t.em().findOneOrFail(ConsultationRequest, { id: request.id })).status).toBe('pending');
    expect((await get('/inbox/history', viewerWeb)).statusCode).toBe(403);
    expect((await get('/inbox/history', ownerWeb)).statusCode).toBe(200);
  });

  it("answers another organization's items exactly like unknown ones", async () => {
    const em = t.em();
    const theirs = {
      requests: (await makeRequest(em, stranger.organization, null)).id,
      validations: (await makeValidation(em, stranger.organization)).id,
      workflows: (await makeWorkflowNeedingReview(em, stranger.organization)).id,
    };
    const unknown = '01a234dc-0000-7000-8000-000000000000';
    for (const [path, id] of Object.entries(theirs)) {
      const foreign = await get(`/inbox/${path}/${id}`, ownerWeb);
      const missing = await get(`/inbox/${path}/${unknown}`, ownerWeb);
      expect(foreign.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(foreign.body.replace(id, unknown)).toBe(missing.body);
    }
    const post = await postForm(t, ownerWeb, `/inbox/requests/${theirs.requests}/answer`, {
      choice: 'approve',
    });
    expect(post.statusCode).toBe(404);
    expect((await t.em().findOneOrFail(ConsultationRequest, { id: theirs.requests })).status).toBe('pending');
  });

  it('serves a 404 page for unknown inbox paths and keeps the API untouched', async () => {
    const page = await get('/inbox/nothing-here', ownerWeb);
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(api.headers['content-type']).toMatch(/^application\/json/);
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: object };
    expect(Object.keys(spec.paths).filter((p) => p.startsWith('/inbox'))).toEqual([]);
  });
});

describe('a session whose person left the organization', () => {
  it('moves to another of their organizations instead of showing the old one', async () => {
    const em = t.em();
    const mover = await person(em, 'owner');
    await addMember(em, owner.organization, 'member', mover.user);
    const session = await webSession(t, mover);
    await postForm(t, session, '/inbox/organization', { organizationId: owner.organization.id });
    await em
      .getConnection()
      .execute('delete from memberships where user_id = ? and organization_id = ?', [
        mover.user.id,
        owner.organization.id,
      ]);
    const page = await get('/inbox', session);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(mover.organization.name);
    expect(page.body).toMatch(/\(owner\)/);
    expect(await t.em().count(ApiKey, { user: mover.user.id, revokedAt: null })).toBeGreaterThan(0);
  });
});
