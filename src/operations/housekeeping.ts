import type { Logger } from 'pino';
import type { AccountService } from '../accounts/account-service.js';
import { purgeExpiredOAuthState } from '../accounts/oauth/tokens.js';
import type { Sql } from '../store/sql.js';
import { LoginFlows } from '../adapters/nextcloud/login-flows.js';

export const HOUSEKEEPING_INTERVAL_MS = 60 * 60_000;

/**
 * Deletes what has expired: web sessions, OAuth codes and tokens, Nextcloud login flows, old
 * rate-limit windows.
 * Every statement is an idempotent DELETE, so several server processes may run it at once.
 */
export async function housekeeping(db: Sql, accounts: AccountService): Promise<{ sessions: number; oauth: number; loginFlows: number }> {
  const sessions = await accounts.sessions.purgeExpired();
  const oauth = await purgeExpiredOAuthState(db);
  const loginFlows = await new LoginFlows(db).purgeExpired();
  await accounts.throttle.purgeOld();
  return { sessions, oauth, loginFlows };
}

/** Runs `housekeeping` now and then every interval, until the returned function is called. */
export function scheduleHousekeeping(db: Sql, accounts: AccountService, logger: Logger, intervalMs = HOUSEKEEPING_INTERVAL_MS): () => void {
  const run = () => {
    housekeeping(db, accounts).then(
      (purged) => logger.debug(purged, 'housekeeping done'),
      (error: unknown) => logger.warn({ err: error }, 'housekeeping failed; retrying at the next interval'),
    );
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
