import { randomBytes } from 'node:crypto';
import type { Sql } from '../store/sql.js';
import type { Principal } from './principal.js';
import { newSecret, secretHash, secretKind } from './secrets.js';

export const SESSION_LIFETIME_MS = 30 * 86_400_000;

export interface Session {
  principal: Principal;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Server-side web sessions. The browser holds a random secret in an HTTP-only cookie; the
 * database holds its hash, the user, and the session's CSRF token. Logging out, changing the
 * password or disabling the account ends sessions at once, in every server process.
 */
export class SessionStore {
  constructor(private readonly db: Sql) {}

  async create(userId: string, userAgent: string | undefined): Promise<{ secret: string; csrfToken: string; expiresAt: Date }> {
    const secret = newSecret('session');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS);
    await this.db.query('INSERT INTO sessions (session_hash, user_id, csrf_token, user_agent, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      secretHash(secret),
      userId,
      csrfToken,
      userAgent?.slice(0, 300) ?? null,
      expiresAt,
    ]);
    return { secret, csrfToken, expiresAt };
  }

  async resolve(secret: string): Promise<Session | undefined> {
    if (secretKind(secret) !== 'session') return undefined;
    const result = await this.db.query<{ user_id: string; username: string; is_admin: boolean; csrf_token: string; expires_at: Date }>(
      `SELECT s.user_id, a.username, a.is_admin, s.csrf_token, s.expires_at FROM sessions s JOIN accounts a ON a.user_id = s.user_id
       WHERE s.session_hash = $1 AND s.expires_at > now() AND NOT a.disabled`,
      [secretHash(secret)],
      { name: 'balados_session_by_secret' },
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      principal: { userId: row.user_id, username: row.username, admin: row.is_admin, via: 'session', scopes: ['*'], credentialId: null, deviceId: null },
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    };
  }

  async destroy(secret: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE session_hash = $1', [secretHash(secret)]);
  }

  /** Ends every session of a user but, optionally, the one making the change. */
  async destroyAll(userId: string, except?: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE user_id = $1 AND session_hash <> $2', [userId, except ? secretHash(except) : '']);
  }

  async purgeExpired(): Promise<number> {
    const result = await this.db.query('DELETE FROM sessions WHERE expires_at <= now()');
    return result.rowCount;
  }
}
