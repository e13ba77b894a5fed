/**
 * Events of a user's OAuth grants stream (`grants-<userId>`): which apps the user allowed to
 * act for them, with which scopes. A stream of its own rather than the account stream, so
 * that consenting to an app never contends with account changes.
 */
export type GrantEvent =
  | { type: 'AppAuthorized'; data: { grantId: string; clientId: string; clientName: string; scopes: string[]; redirectUri: string } }
  | { type: 'AppAuthorizationRevoked'; data: { grantId: string } };

export type GrantEventType = GrantEvent['type'];

export const GRANT_EVENT_TYPES: readonly GrantEventType[] = ['AppAuthorized', 'AppAuthorizationRevoked'];

const PREFIX = 'grants-';

export function grantsStream(userId: string): string {
  return `${PREFIX}${userId}`;
}

export function userOfGrantsStream(streamId: string): string {
  return streamId.slice(PREFIX.length);
}
