import { describe, it } from 'node:test';
import { spec } from '../../../test/support/specification.js';
import { DomainError } from '../../domain/decider.js';
import { grantDecider, MAX_GRANTS } from './grant-decider.js';
import type { GrantEvent } from './grant-events.js';

const consent = { clientId: 'c1', clientName: 'Podcast App', redirectUri: 'antennapod://callback' };
const authorized: GrantEvent = { type: 'AppAuthorized', data: { grantId: 'g1', ...consent, scopes: ['user.plays.read', 'user.plays.write'] } };

describe('grant decider', () => {
  it('records a first consent as a new grant', () => {
    spec(grantDecider).given([]).when({ kind: 'authorize', newGrantId: 'g1', ...consent, scopes: ['user.plays.read', 'user.plays.write'] }).then([authorized]);
  });

  it('reuses the grant for the same or fewer scopes, and widens it for more', () => {
    spec(grantDecider).given([authorized]).when({ kind: 'authorize', newGrantId: 'g2', ...consent, scopes: ['user.plays.read'] }).thenNothing();
    spec(grantDecider)
      .given([authorized])
      .when({ kind: 'authorize', newGrantId: 'g2', ...consent, scopes: ['user.sync', 'user.plays.read'] })
      .then([{ type: 'AppAuthorized', data: { grantId: 'g1', ...consent, scopes: ['user.plays.read', 'user.plays.write', 'user.sync'] } }]);
  });

  it('starts a new grant after a revocation', () => {
    spec(grantDecider)
      .given([authorized, { type: 'AppAuthorizationRevoked', data: { grantId: 'g1' } }])
      .when({ kind: 'authorize', newGrantId: 'g2', ...consent, scopes: ['user.plays.read'] })
      .then([{ type: 'AppAuthorized', data: { grantId: 'g2', ...consent, scopes: ['user.plays.read'] } }]);
  });

  it('revokes only live grants', () => {
    spec(grantDecider).given([authorized]).when({ kind: 'revoke', grantId: 'g1' }).then([{ type: 'AppAuthorizationRevoked', data: { grantId: 'g1' } }]);
    spec(grantDecider).given([authorized, { type: 'AppAuthorizationRevoked', data: { grantId: 'g1' } }]).when({ kind: 'revoke', grantId: 'g1' }).thenThrows(DomainError, /No such/);
    spec(grantDecider).given([]).when({ kind: 'revoke', grantId: 'g9' }).thenThrows(DomainError, /No such/);
  });

  it('refuses empty scopes and too many apps', () => {
    spec(grantDecider).given([]).when({ kind: 'authorize', newGrantId: 'g1', ...consent, scopes: [] }).thenThrows(DomainError, /scope/);
    const many: GrantEvent[] = Array.from({ length: MAX_GRANTS }, (_, i) => ({
      type: 'AppAuthorized',
      data: { grantId: `g${i}`, ...consent, clientId: `c${i}`, scopes: ['user.sync'] },
    }));
    spec(grantDecider).given(many).when({ kind: 'authorize', newGrantId: 'new', ...consent, clientId: 'other', scopes: ['user.sync'] }).thenThrows(DomainError, /at most/);
  });
});
