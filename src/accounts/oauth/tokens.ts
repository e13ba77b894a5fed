import type { Sql } from '../../store/sql.js';
import type { CredentialKind, Principal } from '../principal.js';
import { newSecret, secretHash, secretKind } from '../secrets.js';

/**
 * Access and refresh tokens: operational state, not events (an access token lives an hour;
 * recording each one would fill the log with noise). Only their hashes are stored.
 *
 * A token family is what descends from one authorization code through refreshes: replaying
 * that code revokes the family (RFC 6749 §4.1.2).
 */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
/** Renewed at each refresh: an app used at least every 90 days stays signed in. */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 90 * 86_400;
/** `last_used_at` of a grant is written at most this often per grant. */
export const LAST_USED_RESOLUTION_SECONDS = 60;

/** The principal kind of OAuth access tokens. */
export const OAUTH_VIA: CredentialKind = 'oauth';

export interface TokenFamily {
  grantId: string;
  userId: string;
  clientId: string;
  familyId: string;
  /** The scopes of the family's refresh tokens. */
  scopes: readonly string[];
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** Issues an access token (with `accessScopes`, at most the family's) and its refresh token. */
export async function issueTokens(tx: Sql, family: TokenFamily, accessScopes: readonly string[] = family.scopes): Promise<TokenResponse> {
  const accessToken = newSecret('access_token');
  const refreshToken = newSecret('refresh_token');
  await tx.query(
    `INSERT INTO oauth_tokens (token_hash, kind, grant_id, user_id, client_id, family_id, scopes, expires_at)
     VALUES ($1, 'access', $3, $4, $5, $6, $7::text[], now() + make_interval(secs => $9)),
            ($2, 'refresh', $3, $4, $5, $6, $8::text[], now() + make_interval(secs => $10))`,
    [
      secretHash(accessToken),
      secretHash(refreshToken),
      family.grantId,
      family.userId,
      family.clientId,
      family.familyId,
      accessScopes,
      family.scopes,
      ACCESS_TOKEN_LIFETIME_SECONDS,
      REFRESH_TOKEN_LIFETIME_SECONDS,
    ],
  );
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, refresh_token: refreshToken, scope: accessScopes.join(' ') };
}

export interface PresentedRefreshToken extends TokenFamily {
  tokenHash: string;
  /** Already exchanged once: presenting it again means two parties hold it. */
  rotated: boolean;
  revoked: boolean;
  expired: boolean;
}

/** Locks a refresh token for the rest of the transaction (two refreshes at once see each other). */
export async function lockRefreshToken(tx: Sql, secret: string): Promise<PresentedRefreshToken | undefined> {
  if (secretKind(secret) !== 'refresh_token') return undefined;
  const hash = secretHash(secret);
  const result = await tx.query<{
    grant_id: string;
    user_id: string;
    client_id: string;
    family_id: string;
    scopes: string[];
    rotated: boolean;
    revoked: boolean;
    expired: boolean;
  }>(
    `SELECT grant_id, user_id, client_id, family_id, scopes, rotated_at IS NOT NULL AS rotated, revoked_at IS NOT NULL AS revoked,
            expires_at <= now() AS expired
     FROM oauth_tokens WHERE token_hash = $1 AND kind = 'refresh' FOR UPDATE`,
    [hash],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    tokenHash: hash,
    grantId: row.grant_id,
    userId: row.user_id,
    clientId: row.client_id,
    familyId: row.family_id,
    scopes: row.scopes,
    rotated: row.rotated,
    revoked: row.revoked,
    expired: row.expired,
  };
}

export async function markRotated(tx: Sql, tokenHash: string): Promise<void> {
  await tx.query('UPDATE oauth_tokens SET rotated_at = now() WHERE token_hash = $1', [tokenHash]);
}

export async function revokeFamily(sql: Sql, familyId: string): Promise<void> {
  await sql.query('UPDATE oauth_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
}

export async function revokeGrantTokens(sql: Sql, grantId: string): Promise<void> {
  await sql.query('UPDATE oauth_tokens SET revoked_at = now() WHERE grant_id = $1 AND revoked_at IS NULL', [grantId]);
}

/**
 * RFC 7009 revocation. A refresh token takes its whole family with it (the app is signing out
 * of this device); an access token goes alone. Unknown tokens are ignored: the answer must not
 * tell an attacker which strings are live tokens.
 */
export async function revokePresentedToken(sql: Sql, secret: string): Promise<void> {
  const kind = secretKind(secret);
  if (kind === 'access_token') {
    await sql.query(`UPDATE oauth_tokens SET revoked_at = now() WHERE token_hash = $1 AND kind = 'access' AND revoked_at IS NULL`, [secretHash(secret)]);
  } else if (kind === 'refresh_token') {
    await sql.query(
      `UPDATE oauth_tokens SET revoked_at = now() WHERE revoked_at IS NULL
       AND family_id = (SELECT family_id FROM oauth_tokens WHERE token_hash = $1 AND kind = 'refresh')`,
      [secretHash(secret)],
    );
  }
}

/**
 * Resolves a `bat_…` bearer token: live, its grant not revoked, its account not disabled.
 * The scopes are the token's as bounded by the grant's.
 */
export async function authenticateAccessToken(db: Sql, secret: string): Promise<Principal | undefined> {
  if (secretKind(secret) !== 'access_token') return undefined;
  const result = await db.query<{
    grant_id: string;
    token_scopes: string[];
    grant_scopes: string[];
    user_id: string;
    username: string;
    stale: boolean;
  }>(
    `SELECT t.grant_id, t.scopes AS token_scopes, g.scopes AS grant_scopes, a.user_id, a.username,
            (u.last_used_at IS NULL OR u.last_used_at < now() - make_interval(secs => $2)) AS stale
     FROM oauth_tokens t
     JOIN oauth_grants g ON g.grant_id = t.grant_id
     JOIN accounts a ON a.user_id = t.user_id
     LEFT JOIN oauth_grant_usage u ON u.grant_id = t.grant_id
     WHERE t.token_hash = $1 AND t.kind = 'access' AND t.revoked_at IS NULL AND t.expires_at > now()
       AND g.revoked_at IS NULL AND g.user_id = t.user_id AND NOT a.disabled`,
    [secretHash(secret), LAST_USED_RESOLUTION_SECONDS],
    { name: 'balados_oauth_access_token' },
  );
  const row = result.rows[0];
  if (!row) return undefined;
  if (row.stale) {
    // The condition is repeated in SQL so that processes racing here write once a minute.
    await db.query(
      `INSERT INTO oauth_grant_usage (grant_id, last_used_at) VALUES ($1, now())
       ON CONFLICT (grant_id) DO UPDATE SET last_used_at = now()
       WHERE oauth_grant_usage.last_used_at < now() - make_interval(secs => $2)`,
      [row.grant_id, LAST_USED_RESOLUTION_SECONDS],
    );
  }
  return {
    userId: row.user_id,
    username: row.username,
    // A third-party app never acts as the instance's administrator, whoever approved it.
    admin: false,
    via: OAUTH_VIA,
    scopes: row.token_scopes.filter((scope) => row.grant_scopes.includes(scope)),
    credentialId: row.grant_id,
    deviceId: null,
  };
}

/** Forgets codes and tokens that can no longer be used (for a periodic job). */
export async function purgeExpiredOAuthState(sql: Sql, keepDays = 7): Promise<number> {
  // Used codes are kept a while after expiry so that a late replay is still recognised.
  const codes = await sql.query(`DELETE FROM oauth_codes WHERE expires_at < now() - make_interval(days => $1)`, [keepDays]);
  const tokens = await sql.query(`DELETE FROM oauth_tokens WHERE expires_at < now() - make_interval(days => $1)`, [keepDays]);
  return codes.rowCount + tokens.rowCount;
}
