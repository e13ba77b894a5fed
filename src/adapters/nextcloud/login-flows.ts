import { MAX_LABEL_LENGTH } from '../../accounts/account-service.js';
import { newSecret, secretHash } from '../../accounts/secrets.js';
import type { Sql } from '../../store/sql.js';

/** How long an app may wait for the user (nc_py_api documents 20 minutes for Nextcloud). */
export const LOGIN_FLOW_LIFETIME_MS = 20 * 60_000;
const FALLBACK_NAME = 'Nextcloud login';

/**
 * The name an app password created by a flow carries: the app's User-Agent (what Nextcloud
 * names its app passwords after), made printable and short enough for a label.
 */
export function clientName(userAgent: string | undefined): string {
  // Control characters (C0, DEL, C1) become spaces: the name is shown on pages and in lists.
  const printable = (userAgent ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  return printable === '' ? FALLBACK_NAME : printable.slice(0, MAX_LABEL_LENGTH).trim();
}

export interface StartedFlow {
  /** For the browser: the secret part of the `login` URL. */
  loginToken: string;
  /** For the app: what it polls with. URL-safe (AntennaPod posts `token=` + it, unencoded). */
  pollToken: string;
}

/**
 * Login flows: started anonymously, granted by a signed-in user in the browser, redeemed once by
 * the app's poll. Every step is one conditional statement, so two browsers granting, or two polls
 * racing, cannot both succeed.
 */
export class LoginFlows {
  constructor(
    private readonly db: Sql,
    private readonly lifetimeMs: number = LOGIN_FLOW_LIFETIME_MS,
  ) {}

  async start(name: string): Promise<StartedFlow> {
    const flow = { loginToken: newSecret('login_flow'), pollToken: newSecret('login_poll') };
    await this.db.query('INSERT INTO nextcloud_login_flows (poll_hash, login_hash, client_name, expires_at) VALUES ($1, $2, $3, $4)', [
      secretHash(flow.pollToken),
      secretHash(flow.loginToken),
      name,
      new Date(Date.now() + this.lifetimeMs),
    ]);
    return flow;
  }

  /** A flow still waiting for the user: its app's name. */
  async pending(loginToken: string): Promise<{ clientName: string } | undefined> {
    const result = await this.db.query<{ client_name: string }>(
      'SELECT client_name FROM nextcloud_login_flows WHERE login_hash = $1 AND user_id IS NULL AND expires_at > now()',
      [secretHash(loginToken)],
    );
    const row = result.rows[0];
    return row ? { clientName: row.client_name } : undefined;
  }

  /** The user grants access; false when the flow is not pending any more. */
  async grant(loginToken: string, userId: string): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE nextcloud_login_flows SET user_id = $2, granted_at = now() WHERE login_hash = $1 AND user_id IS NULL AND expires_at > now()',
      [secretHash(loginToken), userId],
    );
    return result.rowCount === 1;
  }

  /** The user refuses: the flow is gone, its poll answers 404 until the app gives up. */
  async deny(loginToken: string): Promise<boolean> {
    const result = await this.db.query('DELETE FROM nextcloud_login_flows WHERE login_hash = $1 AND user_id IS NULL', [secretHash(loginToken)]);
    return result.rowCount === 1;
  }

  /** The app's poll after the grant: the account and app name, once. */
  async redeem(pollToken: string): Promise<{ userId: string; clientName: string } | undefined> {
    const result = await this.db.query<{ user_id: string; client_name: string }>(
      `UPDATE nextcloud_login_flows SET redeemed_at = now()
       WHERE poll_hash = $1 AND user_id IS NOT NULL AND redeemed_at IS NULL AND expires_at > now()
       RETURNING user_id, client_name`,
      [secretHash(pollToken)],
    );
    const row = result.rows[0];
    return row ? { userId: row.user_id, clientName: row.client_name } : undefined;
  }

  /** Gives a redemption back when the app password could not be made (the app polls again). */
  async unredeem(pollToken: string): Promise<void> {
    await this.db.query('UPDATE nextcloud_login_flows SET redeemed_at = NULL WHERE poll_hash = $1', [secretHash(pollToken)]);
  }

  /** Housekeeping: flows past their lifetime, whatever their state. */
  async purgeExpired(): Promise<number> {
    return (await this.db.query('DELETE FROM nextcloud_login_flows WHERE expires_at <= now()')).rowCount;
  }
}
