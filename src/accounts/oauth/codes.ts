import { randomBytes } from 'node:crypto';
import type { Sql } from '../../store/sql.js';
import { secretHash } from '../secrets.js';

/**
 * Authorization codes: random, single use, a few minutes long (RFC 6749 §4.1.2 recommends at
 * most ten), stored only as their hash and bound to everything the token request must repeat.
 */
export const CODE_LIFETIME_SECONDS = 300;

export interface CodeBinding {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  grantId: string;
  userId: string;
  scopes: readonly string[];
}

export interface RedeemedCode extends CodeBinding {
  codeHash: string;
  /** It had been presented before: this is a replay. */
  alreadyUsed: boolean;
  expired: boolean;
}

export async function issueCode(sql: Sql, binding: CodeBinding): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  await sql.query(
    `INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, code_challenge, grant_id, user_id, scopes, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text[], now() + make_interval(secs => $8))`,
    [secretHash(code), binding.clientId, binding.redirectUri, binding.codeChallenge, binding.grantId, binding.userId, binding.scopes, CODE_LIFETIME_SECONDS],
  );
  return code;
}

/**
 * Marks a code used and says what it was. Any presentation uses it up, even one that fails
 * later (wrong verifier): whoever holds a stolen code gets one guess, not many.
 * Must run in a transaction: the row lock makes two simultaneous redemptions see each other.
 */
export async function redeemCode(tx: Sql, code: string): Promise<RedeemedCode | undefined> {
  if (code.length === 0 || code.length > 200) return undefined;
  const hash = secretHash(code);
  const result = await tx.query<{
    client_id: string;
    redirect_uri: string;
    code_challenge: string;
    grant_id: string;
    user_id: string;
    scopes: string[];
    used: boolean;
    expired: boolean;
  }>(
    `SELECT client_id, redirect_uri, code_challenge, grant_id, user_id, scopes, used_at IS NOT NULL AS used, expires_at <= now() AS expired
     FROM oauth_codes WHERE code_hash = $1 FOR UPDATE`,
    [hash],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  if (!row.used) await tx.query('UPDATE oauth_codes SET used_at = now() WHERE code_hash = $1', [hash]);
  return {
    codeHash: hash,
    clientId: row.client_id,
    redirectUri: row.redirect_uri,
    codeChallenge: row.code_challenge,
    grantId: row.grant_id,
    userId: row.user_id,
    scopes: row.scopes,
    alreadyUsed: row.used,
    expired: row.expired,
  };
}

export async function deleteGrantCodes(sql: Sql, grantId: string): Promise<void> {
  await sql.query('DELETE FROM oauth_codes WHERE grant_id = $1', [grantId]);
}
