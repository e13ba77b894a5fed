import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { App } from '../../http/server.js';
import { s256 } from './pkce.js';

/**
 * Plays a podcast app and its user's browser against the test server (`app.inject`), the way
 * a real app would: register, open the authorization URL, approve, exchange, refresh.
 */
export interface Browser {
  cookie: string;
  csrf: string;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

export function oauthClient(server: { app: App }) {
  const { app } = server;

  async function register(name: string, redirectUris: string[]) {
    return app.inject({ method: 'POST', url: '/api/v1/oauth/clients', payload: { name, redirectUris } });
  }

  async function registered(name: string, redirectUris: string[]): Promise<string> {
    const response = await register(name, redirectUris);
    assert.equal(response.statusCode, 201, response.body);
    return response.json().clientId as string;
  }

  async function login(username: string, password: string): Promise<Browser> {
    const response = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username, password } });
    assert.equal(response.statusCode, 201, response.body);
    const cookie = response.cookies.find((c) => c.name === 'balados_session')!;
    return { cookie: `balados_session=${cookie.value}`, csrf: response.json().csrfToken as string };
  }

  function authorizeQuery(params: Record<string, string | undefined>): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
    return query.toString();
  }

  async function openAuthorize(browser: Browser | undefined, params: Record<string, string | undefined>) {
    return app.inject({ method: 'GET', url: `/oauth/authorize?${authorizeQuery(params)}`, headers: browser ? { cookie: browser.cookie } : {} });
  }

  /** Submits the consent form as the browser would (form-encoded; `csrf` null: without the token). */
  async function answer(browser: Browser, params: Record<string, string | undefined>, decision: 'approve' | 'deny', csrf: string | null = browser.csrf) {
    return app.inject({
      method: 'POST',
      url: '/oauth/authorize',
      headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: authorizeQuery({ ...params, decision, _csrf: csrf ?? undefined }),
    });
  }

  /** The whole browser part: consent page, approval, and the code from the redirect. */
  async function authorizationCode(browser: Browser, params: Record<string, string | undefined>): Promise<string> {
    const page = await openAuthorize(browser, params);
    assert.equal(page.statusCode, 200, page.body);
    const approved = await answer(browser, params, 'approve');
    assert.equal(approved.statusCode, 303, approved.body);
    const location = new URL(approved.headers.location as string);
    const code = location.searchParams.get('code');
    assert.ok(code, `no code in ${location.href}`);
    return code;
  }

  /** Calls the token endpoint form-encoded (as most OAuth libraries do) or with JSON. */
  async function token(params: Record<string, string | undefined>, as: 'form' | 'json' = 'form', headers: Record<string, string> = {}) {
    if (as === 'json') {
      const body = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
      return app.inject({ method: 'POST', url: '/oauth/token', headers, payload: body });
    }
    return app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: authorizeQuery(params),
    });
  }

  async function revoke(params: Record<string, string | undefined>) {
    return app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: authorizeQuery(params) });
  }

  async function whoami(accessToken: string) {
    return app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
  }

  return { register, registered, login, openAuthorize, answer, authorizationCode, token, revoke, whoami };
}
