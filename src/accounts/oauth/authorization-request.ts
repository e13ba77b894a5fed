import { isScope, SCOPES, type Scope } from '../scopes.js';
import { clientAllowsRedirect, type OAuthClient } from './clients.js';
import { isS256Challenge } from './pkce.js';

/**
 * Checks an authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636 §4.3). Order matters:
 * until the client and its redirect URI are known good, an error is shown to the user and
 * never sent anywhere (an open redirector would otherwise be one link away).
 */
export interface AuthorizationParams {
  response_type?: string | undefined;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  scopes: Scope[];
  state: string | undefined;
  codeChallenge: string;
}

export type AuthorizationErrorCode = 'invalid_request' | 'unsupported_response_type' | 'invalid_scope' | 'access_denied';

export type AuthorizationCheck =
  | { outcome: 'valid'; request: AuthorizationRequest }
  /** Shown on our own page: there is no trustworthy place to send the user back to. */
  | { outcome: 'show_error'; message: string }
  /** Sent back to the app's redirect URI. */
  | { outcome: 'redirect_error'; redirectUri: string; state: string | undefined; error: AuthorizationErrorCode; description: string };

/** Space-separated scopes (RFC 6749 §3.3), in a stable order, without repeats. */
export function requestedScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const words = new Set(text.split(' ').filter(Boolean));
  return { scopes: SCOPES.filter((scope) => words.has(scope)), unknown: [...words].filter((word) => !isScope(word)) };
}

/** `client` is what `client_id` resolved to (undefined: unknown app). */
export function checkAuthorization(params: AuthorizationParams, client: OAuthClient | undefined): AuthorizationCheck {
  if (!params.client_id) return { outcome: 'show_error', message: 'The app did not say who it is (client_id is missing).' };
  if (!client) return { outcome: 'show_error', message: 'This app is not known here (unknown or invalid client_id).' };
  if (!params.redirect_uri) return { outcome: 'show_error', message: 'The app did not say where to send you back (redirect_uri is missing).' };
  if (!clientAllowsRedirect(client, params.redirect_uri)) {
    return { outcome: 'show_error', message: 'The app asked to send you back to an address it has not registered (redirect_uri).' };
  }
  const redirectUri = params.redirect_uri;
  const state = params.state;
  const fail = (error: AuthorizationErrorCode, description: string): AuthorizationCheck => ({ outcome: 'redirect_error', redirectUri, state, error, description });

  if (!params.response_type) return fail('invalid_request', 'response_type is missing');
  if (params.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
  // RFC 7636 §4.3: a missing method means plain, which is refused like plain itself.
  if (params.code_challenge_method !== 'S256') return fail('invalid_request', 'PKCE is required with code_challenge_method=S256 (plain is not supported)');
  if (!params.code_challenge) return fail('invalid_request', 'code_challenge is missing (PKCE is required)');
  if (!isS256Challenge(params.code_challenge)) return fail('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code verifier');
  if (!params.scope) return fail('invalid_scope', 'scope is missing: ask for the scopes the app needs');
  const { scopes, unknown } = requestedScopes(params.scope);
  if (unknown.length > 0) return fail('invalid_scope', `Unknown scopes: ${unknown.join(' ')}`);
  if (scopes.length === 0) return fail('invalid_scope', 'scope is empty');
  return { outcome: 'valid', request: { client, redirectUri, scopes, state, codeChallenge: params.code_challenge } };
}
