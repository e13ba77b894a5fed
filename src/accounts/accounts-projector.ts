import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { ACCOUNT_EVENT_TYPES, type AccountEvent } from './events.js';
import { CREDENTIALS_CHANNEL } from './principal-cache.js';

/**
 * Accounts and their credentials, inline: a user who registers or creates an app password can
 * use it in the very next request, and the unique username index refuses a duplicate name in
 * the transaction that would record it.
 */
async function applyOne(tx: Sql, event: RecordedEvent): Promise<void> {
  const userId = event.streamId.slice('account-'.length);
  const at = event.recordedAt;
  const typed = event as unknown as AccountEvent;
  switch (typed.type) {
    case 'AccountRegistered':
      await tx.query(
        `INSERT INTO accounts (user_id, username, username_key, password_hash, is_admin, registered_at, password_changed_at)
         VALUES ($1, $2, lower($2), $3, $4, $5, $5)`,
        [userId, typed.data.username, typed.data.passwordHash, typed.data.admin, at],
      );
      return;
    case 'PasswordChanged':
      await tx.query('UPDATE accounts SET password_hash = $2, password_changed_at = $3 WHERE user_id = $1', [userId, typed.data.passwordHash, at]);
      return;
    case 'AccountDisabled':
    case 'AccountEnabled':
      await tx.query('UPDATE accounts SET disabled = $2 WHERE user_id = $1', [userId, typed.type === 'AccountDisabled']);
      return;
    case 'AdminGranted':
      await tx.query('UPDATE accounts SET is_admin = true WHERE user_id = $1', [userId]);
      return;
    case 'AppPasswordCreated':
      await tx.query(
        `INSERT INTO account_credentials (credential_id, user_id, kind, label, device_id, secret_hash, created_at)
         VALUES ($1, $2, 'app_password', $3, $4, $5, $6)`,
        [typed.data.credentialId, userId, typed.data.label, typed.data.deviceId, typed.data.secretHash, at],
      );
      return;
    case 'PersonalTokenCreated':
      await tx.query(
        `INSERT INTO account_credentials (credential_id, user_id, kind, label, scopes, secret_hash, created_at, expires_at)
         VALUES ($1, $2, 'personal_token', $3, $4::text[], $5, $6, $7)`,
        [typed.data.credentialId, userId, typed.data.label, typed.data.scopes, typed.data.secretHash, at, typed.data.expiresAt],
      );
      return;
    case 'PlayTokenCreated':
      await tx.query(
        `INSERT INTO account_credentials (credential_id, user_id, kind, label, secret_hash, created_at)
         VALUES ($1, $2, 'play_token', $3, $4, $5)`,
        [typed.data.credentialId, userId, typed.data.label, typed.data.secretHash, at],
      );
      return;
    case 'CredentialRevoked':
      await tx.query('UPDATE account_credentials SET revoked_at = $3 WHERE credential_id = $1 AND user_id = $2', [typed.data.credentialId, userId, at]);
      return;
  }
}

/**
 * Every process caching who a credential stands for (principal-cache.ts) drops that account's
 * entries when this is delivered: at commit, so never before the change is visible.
 */
async function announceAccountChange(tx: Sql, userId: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [CREDENTIALS_CHANNEL, userId]);
}

export function accountsProjector(): Projector {
  return {
    name: 'accounts',
    kind: 'inline',
    version: 1,
    handles: ACCOUNT_EVENT_TYPES,
    tables: ['accounts', 'account_credentials'],
    async apply(tx, events) {
      // Account events are few and each touches one row: per-event statements are fine here.
      for (const event of events) await applyOne(tx, event);
      const users = new Set(events.map((event) => event.streamId.slice('account-'.length)));
      for (const userId of users) await announceAccountChange(tx, userId);
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM account_credentials WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM accounts WHERE user_id = $1', [userId]);
      await announceAccountChange(tx, userId);
    },
  };
}
