/** Events of an account's stream (`account-<userId>`). */
export type AccountEvent =
  | { type: 'AccountRegistered'; data: { userId: string; username: string; passwordHash: string; admin: boolean } }
  | { type: 'PasswordChanged'; data: { passwordHash: string } }
  | { type: 'AccountDisabled'; data: { reason: string | null } }
  | { type: 'AccountEnabled'; data: Record<string, never> }
  | { type: 'AdminGranted'; data: Record<string, never> }
  | { type: 'AppPasswordCreated'; data: { credentialId: string; label: string; deviceId: string | null; secretHash: string } }
  | {
      type: 'PersonalTokenCreated';
      data: { credentialId: string; label: string; scopes: string[]; secretHash: string; expiresAt: string | null };
    }
  /** A play token: the secret of a user's personal feed and play-gateway URLs (nothing else). */
  | { type: 'PlayTokenCreated'; data: { credentialId: string; label: string; secretHash: string } }
  | { type: 'CredentialRevoked'; data: { credentialId: string } };

export type AccountEventType = AccountEvent['type'];

export const ACCOUNT_EVENT_TYPES: readonly AccountEventType[] = [
  'AccountRegistered',
  'PasswordChanged',
  'AccountDisabled',
  'AccountEnabled',
  'AdminGranted',
  'AppPasswordCreated',
  'PersonalTokenCreated',
  'PlayTokenCreated',
  'CredentialRevoked',
];

export function accountStream(userId: string): string {
  return `account-${userId}`;
}
