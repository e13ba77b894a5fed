import type { Sql } from '../store/sql.js';
import { secretHash, secretKind } from './secrets.js';

/**
 * Play tokens: the secret in a user's personal feed URLs (`/rss/{token}/…`) and play-gateway
 * URLs (`/play/{token}/…`), which podcast apps store and fetch without any other credentials.
 * They are the narrowest credential there is: they never become a `Principal` (the API's
 * authentication looks up app passwords and personal tokens only), so they can read those feeds
 * and record a play, nothing else. Created and revoked through the account decider
 * (AccountService.createPlayToken / revokeCredential) like the other credentials.
 *
 * Looked up in the database on every request, not through the principal cache: feed readers
 * poll every few minutes at most, and a revoked token must fail on the very next request.
 */
export interface PlayTokenHolder {
  userId: string;
  credentialId: string;
}

export interface PlayTokenInfo {
  id: string;
  label: string;
  createdAt: Date;
}

export async function resolvePlayToken(sql: Sql, token: string): Promise<PlayTokenHolder | undefined> {
  if (secretKind(token) !== 'play_token') return undefined;
  const result = await sql.query<{ credential_id: string; user_id: string }>(
    `SELECT c.credential_id, c.user_id FROM account_credentials c JOIN accounts a ON a.user_id = c.user_id
     WHERE c.secret_hash = $1 AND c.kind = 'play_token' AND c.revoked_at IS NULL AND NOT a.disabled`,
    [secretHash(token)],
    { name: 'balados_play_token_by_secret' },
  );
  const row = result.rows[0];
  return row ? { userId: row.user_id, credentialId: row.credential_id } : undefined;
}

export async function listPlayTokens(sql: Sql, userId: string): Promise<PlayTokenInfo[]> {
  const result = await sql.query<{ credential_id: string; label: string; created_at: Date }>(
    `SELECT credential_id, label, created_at FROM account_credentials
     WHERE user_id = $1 AND kind = 'play_token' AND revoked_at IS NULL ORDER BY created_at, credential_id`,
    [userId],
  );
  return result.rows.map((row) => ({ id: row.credential_id, label: row.label, createdAt: row.created_at }));
}
