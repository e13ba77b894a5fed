import { DomainError, type Decider } from '../../domain/decider.js';
import type { GrantEvent } from './grant-events.js';

/**
 * The rules of a user's app authorizations. One live grant per app: approving an app again
 * reuses its grant (widened when the app asks for more), so "authorized apps" lists each app
 * once and revoking it cuts off every device the app runs on.
 */
export type GrantCommand =
  | {
      kind: 'authorize';
      /** Used only when the app has no live grant yet. */
      newGrantId: string;
      clientId: string;
      clientName: string;
      scopes: readonly string[];
      redirectUri: string;
    }
  | { kind: 'revoke'; grantId: string };

export interface Grant {
  clientId: string;
  scopes: readonly string[];
}

export interface GrantState {
  /** Live grants by id. */
  grants: ReadonlyMap<string, Grant>;
}

export const MAX_GRANTS = 200;

export function liveGrantFor(state: GrantState, clientId: string): [string, Grant] | undefined {
  for (const entry of state.grants) if (entry[1].clientId === clientId) return entry;
  return undefined;
}

export const grantDecider: Decider<GrantCommand, GrantEvent, GrantState> = {
  initialState: () => ({ grants: new Map() }),

  evolve(state, event) {
    const grants = new Map(state.grants);
    switch (event.type) {
      case 'AppAuthorized':
        grants.set(event.data.grantId, { clientId: event.data.clientId, scopes: event.data.scopes });
        return { grants };
      case 'AppAuthorizationRevoked':
        grants.delete(event.data.grantId);
        return { grants };
    }
  },

  decide(command, state) {
    switch (command.kind) {
      case 'authorize': {
        if (command.scopes.length === 0) throw new DomainError('invalid_scope', 'An app needs at least one scope', 400);
        const live = liveGrantFor(state, command.clientId);
        if (live) {
          const [grantId, grant] = live;
          if (command.scopes.every((scope) => grant.scopes.includes(scope))) return [];
          // Widen rather than replace: the app's other devices keep working.
          const scopes = [...grant.scopes, ...command.scopes.filter((scope) => !grant.scopes.includes(scope))];
          const { clientId, clientName, redirectUri } = command;
          return [{ type: 'AppAuthorized', data: { grantId, clientId, clientName, scopes, redirectUri } }];
        }
        if (state.grants.size >= MAX_GRANTS) {
          throw new DomainError('too_many_grants', `An account authorizes at most ${MAX_GRANTS} apps: revoke unused ones first`);
        }
        const { newGrantId: grantId, clientId, clientName, redirectUri } = command;
        return [{ type: 'AppAuthorized', data: { grantId, clientId, clientName, scopes: [...new Set(command.scopes)], redirectUri } }];
      }
      case 'revoke':
        if (!state.grants.has(command.grantId)) throw new DomainError('grant_not_found', 'No such authorized app', 404);
        return [{ type: 'AppAuthorizationRevoked', data: { grantId: command.grantId } }];
    }
  },
};
