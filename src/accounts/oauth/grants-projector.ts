import type { Projector } from '../../projections/projector.js';
import type { RecordedEvent } from '../../store/events.js';
import type { Sql } from '../../store/sql.js';
import { GRANT_EVENT_TYPES, userOfGrantsStream, type GrantEvent } from './grant-events.js';

/**
 * Authorized apps, inline: the code issued right after consent is checked against this table
 * in the same request, and a revoked grant must stop its tokens at once.
 */
async function applyOne(tx: Sql, event: RecordedEvent): Promise<void> {
  const userId = userOfGrantsStream(event.streamId);
  const typed = event as unknown as GrantEvent;
  switch (typed.type) {
    case 'AppAuthorized': {
      const { grantId, clientId, clientName, scopes, redirectUri } = typed.data;
      // A second AppAuthorized for a grant widens it: created_at stays the first consent.
      await tx.query(
        `INSERT INTO oauth_grants (grant_id, user_id, client_id, client_name, scopes, redirect_uri, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $7)
         ON CONFLICT (grant_id) DO UPDATE SET client_name = EXCLUDED.client_name, scopes = EXCLUDED.scopes,
           redirect_uri = EXCLUDED.redirect_uri, updated_at = EXCLUDED.updated_at`,
        [grantId, userId, clientId, clientName, scopes, redirectUri, event.recordedAt],
      );
      return;
    }
    case 'AppAuthorizationRevoked':
      await tx.query('UPDATE oauth_grants SET revoked_at = $3 WHERE grant_id = $1 AND user_id = $2', [typed.data.grantId, userId, event.recordedAt]);
      return;
  }
}

export function grantsProjector(): Projector {
  return {
    name: 'oauth_grants',
    kind: 'inline',
    version: 1,
    handles: GRANT_EVENT_TYPES,
    tables: ['oauth_grants'],
    async apply(tx, events) {
      // Consents are rare and each touches one row: per-event statements are fine.
      for (const event of events) await applyOne(tx, event);
    },
    async forgetUser(tx, userId) {
      // The operational OAuth rows go too: they hang off the grants and are the user's data.
      await tx.query('DELETE FROM oauth_grant_usage WHERE grant_id IN (SELECT grant_id FROM oauth_grants WHERE user_id = $1)', [userId]);
      await tx.query('DELETE FROM oauth_tokens WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM oauth_codes WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM oauth_grants WHERE user_id = $1', [userId]);
    },
  };
}
