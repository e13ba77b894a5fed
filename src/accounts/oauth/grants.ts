import { randomUUID } from 'node:crypto';
import { CommandHandler } from '../../domain/command-handler.js';
import type { EventStore } from '../../store/event-store.js';
import { ConcurrencyError, type EventMetadata } from '../../store/events.js';
import type { Sql } from '../../store/sql.js';
import { deleteGrantCodes } from './codes.js';
import { grantDecider, liveGrantFor, type GrantCommand, type GrantState } from './grant-decider.js';
import { grantsStream, type GrantEvent } from './grant-events.js';
import { revokeGrantTokens } from './tokens.js';

export interface AuthorizedApp {
  grantId: string;
  clientId: string;
  appName: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Why a grant ends: the user's choice, or a stolen refresh token showing up (kept in the event's metadata). */
export type RevocationReason = 'user' | 'refresh_token_reuse';

/**
 * A user's consents to apps (through the grant decider) and what goes with ending one: its
 * tokens and pending codes go in the same transaction as the event.
 */
export class GrantService {
  private readonly handler: CommandHandler<GrantCommand, GrantEvent, GrantState>;

  constructor(private readonly store: EventStore) {
    this.handler = new CommandHandler(store, grantDecider);
  }

  /** Runs `fn` in a transaction, again when another request moved the same grants stream. */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.db.transaction(fn);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 3) throw error;
      }
    }
  }

  /** Records consent (or reuses the app's grant when it already covers `scopes`); returns the grant id. */
  async authorize(
    tx: Sql,
    userId: string,
    consent: { clientId: string; clientName: string; scopes: readonly string[]; redirectUri: string },
  ): Promise<string> {
    const result = await this.handler.handle(grantsStream(userId), { kind: 'authorize', newGrantId: randomUUID(), ...consent }, { tx, metadata: { userId } });
    const live = liveGrantFor(result.state, consent.clientId);
    if (!live) throw new Error('the grant decider accepted a consent without a live grant');
    return live[0];
  }

  async revoke(userId: string, grantId: string, reason: RevocationReason, tx?: Sql): Promise<void> {
    const metadata: EventMetadata = { userId, reason };
    const run = async (sql: Sql) => {
      await this.handler.handle(grantsStream(userId), { kind: 'revoke', grantId }, { tx: sql, metadata });
      await revokeGrantTokens(sql, grantId);
      await deleteGrantCodes(sql, grantId);
      await sql.query('DELETE FROM oauth_grant_usage WHERE grant_id = $1', [grantId]);
    };
    if (tx) await run(tx);
    else await this.transaction(run);
  }

  /**
   * Whether tokens may still be issued under this grant (not revoked, account not disabled).
   * The row lock orders this against a concurrent revocation: either it waits and sees the
   * grant revoked, or the revocation waits and then revokes the tokens issued here.
   */
  async usable(sql: Sql, grantId: string, userId: string): Promise<boolean> {
    const result = await sql.query<{ ok: boolean }>(
      `SELECT true AS ok FROM oauth_grants g JOIN accounts a ON a.user_id = g.user_id
       WHERE g.grant_id = $1 AND g.user_id = $2 AND g.revoked_at IS NULL AND NOT a.disabled FOR SHARE OF g`,
      [grantId, userId],
    );
    return result.rows.length > 0;
  }

  async list(userId: string): Promise<AuthorizedApp[]> {
    const result = await this.store.db.query<{
      grant_id: string;
      client_id: string;
      client_name: string;
      scopes: string[];
      created_at: Date;
      last_used_at: Date | null;
    }>(
      `SELECT g.grant_id, g.client_id, g.client_name, g.scopes, g.created_at, u.last_used_at
       FROM oauth_grants g LEFT JOIN oauth_grant_usage u ON u.grant_id = g.grant_id
       WHERE g.user_id = $1 AND g.revoked_at IS NULL ORDER BY g.created_at, g.grant_id`,
      [userId],
    );
    return result.rows.map((row) => ({
      grantId: row.grant_id,
      clientId: row.client_id,
      appName: row.client_name,
      scopes: row.scopes,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
    }));
  }
}
