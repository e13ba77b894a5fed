import type { Sql } from '../store/sql.js';
import { usernameKey } from './username.js';

/**
 * Throttles guessing: failed logins per account and attempts per client address, counted in the
 * database so that every server process sees the same numbers. A name that does not exist is
 * counted and refused exactly like one that does: the answers never tell them apart.
 */
export interface ThrottleRule {
  limit: number;
  windowMs: number;
}

export const LOGIN_RULES = {
  /** Failed attempts on one account (by username, existing or not). */
  perAccount: { limit: 10, windowMs: 15 * 60_000 },
  /**
   * Failed attempts from one address, whatever the account: guessing across many accounts.
   * Successes do not count, so many people behind one address (an office, a carrier NAT)
   * can all sign in.
   */
  perAddress: { limit: 50, windowMs: 15 * 60_000 },
  /** Token, registration and app-registration requests from one address. */
  tokenPerAddress: { limit: 60, windowMs: 60_000 },
} as const satisfies Record<string, ThrottleRule>;

/** Too many attempts: answered 429 with Retry-After. */
export class TooManyAttemptsError extends Error {
  readonly code = 'too_many_attempts';
  override name = 'TooManyAttemptsError';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts: try again in ${retryAfterSeconds} s`);
  }
}

export interface ThrottleState {
  allowed: boolean;
  retryAfterSeconds: number;
}

export type LoginRules = Record<keyof typeof LOGIN_RULES, ThrottleRule>;

export class Throttle {
  constructor(
    private readonly db: Sql,
    readonly rules: LoginRules = LOGIN_RULES,
    private readonly now: () => number = Date.now,
  ) {}

  private windowStart(rule: ThrottleRule): number {
    return Math.floor(this.now() / rule.windowMs) * rule.windowMs;
  }

  private retryAfter(rule: ThrottleRule): number {
    return Math.max(1, Math.ceil((this.windowStart(rule) + rule.windowMs - this.now()) / 1000));
  }

  /** Counts one hit and says whether it is within the limit. */
  async hit(key: string, rule: ThrottleRule): Promise<ThrottleState> {
    const start = new Date(this.windowStart(rule));
    const result = await this.db.query<{ hits: number }>(
      `INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_start = EXCLUDED.window_start THEN rate_limits.hits + 1 ELSE 1 END,
         window_start = EXCLUDED.window_start
       RETURNING hits`,
      [key, start],
      { name: 'balados_rate_limit_hit' },
    );
    const hits = result.rows[0]!.hits;
    return { allowed: hits <= rule.limit, retryAfterSeconds: this.retryAfter(rule) };
  }

  /** Whether the key is already over its limit, without counting. */
  async check(key: string, rule: ThrottleRule): Promise<ThrottleState> {
    const result = await this.db.query<{ hits: number }>('SELECT hits FROM rate_limits WHERE key = $1 AND window_start = $2', [key, new Date(this.windowStart(rule))]);
    const hits = result.rows[0]?.hits ?? 0;
    return { allowed: hits < rule.limit, retryAfterSeconds: this.retryAfter(rule) };
  }

  /**
   * Before checking a password: counts the attempt as a failure *first*, so that a thousand
   * parallel guesses cannot all pass the check before the first failure is written; a success
   * gives it back (`loginSucceeded`). `username` is null for a name that cannot exist.
   */
  async beginLogin(username: string | null, address: string | undefined): Promise<ThrottleState & { keys: string[] }> {
    const counted: { key: string; rule: ThrottleRule }[] = [];
    if (username !== null) counted.push({ key: `login-fail:${usernameKey(username)}`, rule: this.rules.perAccount });
    if (address !== undefined) counted.push({ key: `login-fail-addr:${address}`, rule: this.rules.perAddress });
    const states = await Promise.all(counted.map(({ key, rule }) => this.hit(key, rule)));
    const refused = states.find((state) => !state.allowed);
    return { allowed: !refused, retryAfterSeconds: refused?.retryAfterSeconds ?? 0, keys: counted.map(({ key }) => key) };
  }

  /** Gives back the attempts counted by `beginLogin`: only failures count. */
  async loginSucceeded(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query('UPDATE rate_limits SET hits = GREATEST(hits - 1, 0) WHERE key = ANY($1::text[])', [keys]);
  }

  async purgeOld(olderThanMs = 24 * 3_600_000): Promise<void> {
    await this.db.query('DELETE FROM rate_limits WHERE window_start < $1', [new Date(this.now() - olderThanMs)]);
  }
}
