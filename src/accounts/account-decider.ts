import { DomainError, type Decider } from '../domain/decider.js';
import type { AccountEvent } from './events.js';

/**
 * The rules of one account. Secrets arrive already hashed: hashing is slow and random, and
 * the decider must stay pure and fast.
 */
export type AccountCommand =
  | { kind: 'register'; userId: string; username: string; passwordHash: string; admin: boolean }
  | { kind: 'changePassword'; passwordHash: string }
  | { kind: 'disable'; reason: string | null }
  | { kind: 'enable' }
  | { kind: 'grantAdmin' }
  | { kind: 'createAppPassword'; credentialId: string; label: string; deviceId: string | null; secretHash: string }
  | { kind: 'createPersonalToken'; credentialId: string; label: string; scopes: string[]; secretHash: string; expiresAt: string | null }
  | { kind: 'createPlayToken'; credentialId: string; label: string; secretHash: string }
  | { kind: 'revokeCredential'; credentialId: string };

export interface AccountState {
  exists: boolean;
  disabled: boolean;
  admin: boolean;
  /** Live (not revoked) app passwords, personal and play tokens. */
  credentials: Set<string>;
}

export const MAX_CREDENTIALS = 200;

function requireActive(state: AccountState): void {
  if (!state.exists) throw new DomainError('account_not_found', 'No such account', 404);
  if (state.disabled) throw new DomainError('account_disabled', 'This account is disabled', 403);
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: () => ({ exists: false, disabled: false, admin: false, credentials: new Set() }),

  evolve(state, event) {
    switch (event.type) {
      case 'AccountRegistered':
        return { ...state, exists: true, admin: event.data.admin };
      case 'AccountDisabled':
        return { ...state, disabled: true };
      case 'AccountEnabled':
        return { ...state, disabled: false };
      case 'AdminGranted':
        return { ...state, admin: true };
      case 'AppPasswordCreated':
      case 'PersonalTokenCreated':
      case 'PlayTokenCreated':
        return { ...state, credentials: new Set([...state.credentials, event.data.credentialId]) };
      case 'CredentialRevoked': {
        const credentials = new Set(state.credentials);
        credentials.delete(event.data.credentialId);
        return { ...state, credentials };
      }
      case 'PasswordChanged':
        return state;
    }
  },

  decide(command, state) {
    switch (command.kind) {
      case 'register':
        if (state.exists) throw new DomainError('account_exists', 'This account already exists');
        return [{ type: 'AccountRegistered', data: { userId: command.userId, username: command.username, passwordHash: command.passwordHash, admin: command.admin } }];
      case 'changePassword':
        // An administrator may reset the password of a disabled account before enabling it.
        if (!state.exists) throw new DomainError('account_not_found', 'No such account', 404);
        return [{ type: 'PasswordChanged', data: { passwordHash: command.passwordHash } }];
      case 'disable':
        if (!state.exists) throw new DomainError('account_not_found', 'No such account', 404);
        return state.disabled ? [] : [{ type: 'AccountDisabled', data: { reason: command.reason } }];
      case 'enable':
        if (!state.exists) throw new DomainError('account_not_found', 'No such account', 404);
        return state.disabled ? [{ type: 'AccountEnabled', data: {} }] : [];
      case 'grantAdmin':
        requireActive(state);
        return state.admin ? [] : [{ type: 'AdminGranted', data: {} }];
      case 'createAppPassword':
      case 'createPersonalToken':
      case 'createPlayToken': {
        requireActive(state);
        if (state.credentials.size >= MAX_CREDENTIALS) {
          throw new DomainError('too_many_credentials', `An account has at most ${MAX_CREDENTIALS} app passwords and tokens: revoke unused ones first`);
        }
        if (command.kind === 'createAppPassword') {
          const { credentialId, label, deviceId, secretHash } = command;
          return [{ type: 'AppPasswordCreated', data: { credentialId, label, deviceId, secretHash } }];
        }
        if (command.kind === 'createPlayToken') {
          const { credentialId, label, secretHash } = command;
          return [{ type: 'PlayTokenCreated', data: { credentialId, label, secretHash } }];
        }
        const { credentialId, label, scopes, secretHash, expiresAt } = command;
        return [{ type: 'PersonalTokenCreated', data: { credentialId, label, scopes, secretHash, expiresAt } }];
      }
      case 'revokeCredential':
        requireActive(state);
        if (!state.credentials.has(command.credentialId)) throw new DomainError('credential_not_found', 'No such app password or token', 404);
        return [{ type: 'CredentialRevoked', data: { credentialId: command.credentialId } }];
    }
  },
};
