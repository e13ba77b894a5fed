import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../../accounts/principal.js';
import type { Sql } from '../../store/sql.js';

/** mygpo's login.json sets a cookie for a year; gPodder runs for days between sign-ins. */
export const GPODDER_SESSION_LIFETIME_MS = 365 * 86_400_000;
export const GPODDER_COOKIE = 'sessionid';

function hash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/**
 * The `sessionid` cookies of the gpodder.net API (Django's name, which the clients' cookie jars
 * send back). Apart from the web sessions: it only opens the gpodder.net routes. It ends with the
 * app password it was earned with, or, earned with the password, when the password changes.
 *
 * Clients that send Basic on every request (Kasts) would make one session per request: the
 * cookie given for the same Authorization header is remembered here and given again.
 */
export class GpodderSessions {
  private readonly issued = new Map<string, { userId: string; secret: string; expiresAt: number }>();

  constructor(private readonly db: Sql) {}

  async issue(principal: Principal, authorization: string): Promise<string> {
    const key = hash(`${principal.userId}\n${authorization}`);
    const known = this.issued.get(key);
    if (known && known.expiresAt > Date.now() + 86_400_000) return known.secret;
    const secret = randomBytes(32).toString('hex');
    const expiresAt = Date.now() + GPODDER_SESSION_LIFETIME_MS;
    await this.db.query('INSERT INTO gpodder_sessions (session_hash, user_id, credential_id, expires_at) VALUES ($1, $2, $3, $4)', [
      hash(secret),
      principal.userId,
      principal.via === 'app_password' ? principal.credentialId : null,
      new Date(expiresAt),
    ]);
    if (this.issued.size >= 10_000) this.issued.delete(this.issued.keys().next().value!);
    this.issued.set(key, { userId: principal.userId, secret, expiresAt });
    return secret;
  }

  async resolve(secret: string): Promise<Principal | undefined> {
    if (!/^[0-9a-f]{64}$/.test(secret)) return undefined;
    const result = await this.db.query<{ user_id: string; username: string; is_admin: boolean; credential_id: string | null; device_id: string | null }>(
      `SELECT s.user_id, a.username, a.is_admin, s.credential_id, c.device_id
       FROM gpodder_sessions s JOIN accounts a ON a.user_id = s.user_id
       LEFT JOIN account_credentials c ON c.credential_id = s.credential_id
       WHERE s.session_hash = $1 AND s.expires_at > now() AND NOT a.disabled
         AND (s.credential_id IS NULL AND s.created_at >= a.password_changed_at
              OR c.revoked_at IS NULL AND c.kind = 'app_password' AND (c.expires_at IS NULL OR c.expires_at > now()))`,
      [hash(secret)],
      { name: 'balados_gpodder_session' },
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      userId: row.user_id,
      username: row.username,
      admin: row.is_admin,
      via: row.credential_id ? 'app_password' : 'password',
      scopes: ['*'],
      credentialId: row.credential_id,
      deviceId: row.device_id,
    };
  }

  async destroy(secret: string): Promise<void> {
    await this.db.query('DELETE FROM gpodder_sessions WHERE session_hash = $1', [hash(secret)]);
    for (const [key, entry] of this.issued) if (entry.secret === secret) this.issued.delete(key);
  }
}
