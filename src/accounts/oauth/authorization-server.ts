import { DomainError } from '../../domain/decider.js';
import type { EventStore } from '../../store/event-store.js';
import { requestedScopes, type AuthorizationRequest } from './authorization-request.js';
import { ClientStore, type OAuthClient } from './clients.js';
import { issueCode, redeemCode } from './codes.js';
import { GrantService } from './grants.js';
import { OAuthError } from './oauth-error.js';
import { isVerifier, verifierMatches } from './pkce.js';
import { issueTokens, lockRefreshToken, markRotated, revokeFamily, revokePresentedToken, type TokenResponse } from './tokens.js';

/**
 * The authorization server's decisions that touch the database: consent, code exchange,
 * refresh and revocation. HTTP lives in the routes; this answers with values or OAuthErrors.
 */
export interface CodeExchange {
  code?: string | undefined;
  redirect_uri?: string | undefined;
  client_id?: string | undefined;
  code_verifier?: string | undefined;
}

export interface RefreshRequest {
  refresh_token?: string | undefined;
  client_id?: string | undefined;
  scope?: string | undefined;
}

type Outcome = { tokens: TokenResponse } | { error: OAuthError };

export class AuthorizationServer {
  readonly clients: ClientStore;
  readonly grants: GrantService;

  constructor(private readonly store: EventStore) {
    this.clients = new ClientStore(store.db);
    this.grants = new GrantService(store);
  }

  /** Records the user's consent and issues the code the app will exchange. */
  async approve(userId: string, request: AuthorizationRequest): Promise<string> {
    const { client, redirectUri, scopes, codeChallenge } = request;
    return this.grants.transaction(async (tx) => {
      const grantId = await this.grants.authorize(tx, userId, { clientId: client.clientId, clientName: client.name, scopes, redirectUri });
      return issueCode(tx, { clientId: client.clientId, redirectUri, codeChallenge, grantId, userId, scopes });
    });
  }

  private async client(clientId: string | undefined): Promise<OAuthClient> {
    if (!clientId) throw new OAuthError('invalid_request', 'client_id is missing');
    const client = await this.clients.find(clientId);
    if (!client) throw new OAuthError('invalid_client', 'Unknown client_id');
    return client;
  }

  async exchangeCode(params: CodeExchange): Promise<TokenResponse> {
    if (!params.code) throw new OAuthError('invalid_request', 'code is missing');
    if (!params.redirect_uri) throw new OAuthError('invalid_request', 'redirect_uri is missing');
    if (!params.code_verifier) throw new OAuthError('invalid_request', 'code_verifier is missing (PKCE is required)');
    if (!isVerifier(params.code_verifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
    const client = await this.client(params.client_id);
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
    // Errors after the code is used up are returned, not thrown, so that the transaction
    // commits: the code must stay used, and a replay's revocations must stick.
    const outcome = await this.grants.transaction(async (tx): Promise<Outcome> => {
      const redeemed = await redeemCode(tx, code);
      const invalid = (description: string): Outcome => ({ error: new OAuthError('invalid_grant', description) });
      if (!redeemed) return invalid('Unknown authorization code');
      if (redeemed.alreadyUsed) {
        // Someone else may have redeemed it first: what they got must stop working.
        await revokeFamily(tx, redeemed.codeHash);
        return invalid('This authorization code was already used; the tokens issued for it are revoked');
      }
      if (redeemed.expired) return invalid('This authorization code has expired');
      if (redeemed.clientId !== client.clientId) return invalid('This authorization code was issued to another client');
      if (redeemed.redirectUri !== redirectUri) return invalid('redirect_uri differs from the one of the authorization request');
      if (!verifierMatches(verifier, redeemed.codeChallenge)) return invalid('code_verifier does not match the code_challenge');
      if (!(await this.grants.usable(tx, redeemed.grantId, redeemed.userId))) return invalid('The authorization was revoked or the account is disabled');
      const tokens = await issueTokens(tx, {
        grantId: redeemed.grantId,
        userId: redeemed.userId,
        clientId: redeemed.clientId,
        familyId: redeemed.codeHash,
        scopes: redeemed.scopes,
      });
      return { tokens };
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.tokens;
  }

  async refresh(params: RefreshRequest): Promise<TokenResponse> {
    if (!params.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is missing');
    // Public clients prove nothing by naming themselves; a named client must still be the right one.
    const client = params.client_id ? await this.client(params.client_id) : undefined;
    const requested = params.scope === undefined ? undefined : requestedScopes(params.scope);
    if (requested && (requested.unknown.length > 0 || requested.scopes.length === 0)) throw new OAuthError('invalid_scope', 'Unknown or empty scope');
    const secret = params.refresh_token;
    const outcome = await this.grants.transaction(async (tx): Promise<Outcome> => {
      const invalid = (description: string): Outcome => ({ error: new OAuthError('invalid_grant', description) });
      const token = await lockRefreshToken(tx, secret);
      if (!token) return invalid('Unknown refresh token');
      if (token.rotated) {
        // The old token came back after being exchanged: either the app or a thief holds a
        // copy, and we cannot tell which. Cut the app off; the user approves it again.
        try {
          await this.grants.revoke(token.userId, token.grantId, 'refresh_token_reuse', tx);
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'grant_not_found')) throw error;
        }
        return invalid('This refresh token was already used; the authorization is revoked');
      }
      if (token.revoked) return invalid('This refresh token was revoked');
      if (token.expired) return invalid('This refresh token has expired');
      if (client && client.clientId !== token.clientId) return invalid('This refresh token was issued to another client');
      const scopes = requested?.scopes ?? token.scopes;
      if (scopes.some((scope) => !token.scopes.includes(scope))) return { error: new OAuthError('invalid_scope', 'A refresh cannot add scopes') };
      if (!(await this.grants.usable(tx, token.grantId, token.userId))) return invalid('The authorization was revoked or the account is disabled');
      await markRotated(tx, token.tokenHash);
      return { tokens: await issueTokens(tx, token, scopes) };
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.tokens;
  }

  async revokeToken(token: string): Promise<void> {
    await revokePresentedToken(this.store.db, token);
  }
}
