import { describe, it } from 'node:test';
import { spec } from '../../test/support/specification.js';
import { DomainError } from '../domain/decider.js';
import { accountDecider } from './account-decider.js';
import type { AccountEvent } from './events.js';

const registered: AccountEvent = { type: 'AccountRegistered', data: { userId: 'u1', username: 'alice', passwordHash: 'h1', admin: false } };
const appPassword: AccountEvent = { type: 'AppPasswordCreated', data: { credentialId: 'c1', label: 'phone', deviceId: null, secretHash: 's1' } };

describe('account decider', () => {
  it('registers an account once', () => {
    spec(accountDecider).given([]).when({ kind: 'register', userId: 'u1', username: 'alice', passwordHash: 'h1', admin: false }).then([registered]);
    spec(accountDecider).given([registered]).when({ kind: 'register', userId: 'u1', username: 'alice', passwordHash: 'h1', admin: false }).thenThrows(DomainError, /already exists/);
  });

  it('refuses changes to a missing or disabled account', () => {
    spec(accountDecider).given([]).when({ kind: 'changePassword', passwordHash: 'h2' }).thenThrows(DomainError, /No such account/);
    spec(accountDecider)
      .given([registered, { type: 'AccountDisabled', data: { reason: null } }])
      .when({ kind: 'createAppPassword', credentialId: 'c2', label: 'x', deviceId: null, secretHash: 's2' })
      .thenThrows(DomainError, /disabled/);
    spec(accountDecider).given([registered, { type: 'AccountDisabled', data: { reason: null } }]).when({ kind: 'enable' }).then([{ type: 'AccountEnabled', data: {} }]);
    spec(accountDecider)
      .given([registered, { type: 'AccountDisabled', data: { reason: null } }])
      .when({ kind: 'changePassword', passwordHash: 'h2' })
      .then([{ type: 'PasswordChanged', data: { passwordHash: 'h2' } }]);
  });

  it('is idempotent where repeating changes nothing', () => {
    spec(accountDecider).given([registered, { type: 'AccountDisabled', data: { reason: 'spam' } }]).when({ kind: 'disable', reason: null }).thenNothing();
    spec(accountDecider).given([registered]).when({ kind: 'enable' }).thenNothing();
    spec(accountDecider).given([registered, { type: 'AdminGranted', data: {} }]).when({ kind: 'grantAdmin' }).thenNothing();
  });

  it('revokes only live credentials', () => {
    spec(accountDecider).given([registered, appPassword]).when({ kind: 'revokeCredential', credentialId: 'c1' }).then([{ type: 'CredentialRevoked', data: { credentialId: 'c1' } }]);
    spec(accountDecider)
      .given([registered, appPassword, { type: 'CredentialRevoked', data: { credentialId: 'c1' } }])
      .when({ kind: 'revokeCredential', credentialId: 'c1' })
      .thenThrows(DomainError, /No such app password/);
  });
});
