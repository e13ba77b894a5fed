/** Who a request acts for, and with what rights, once its credentials are checked. */
export type CredentialKind = 'password' | 'app_password' | 'personal_token' | 'session' | 'oauth';

export interface Principal {
  userId: string;
  username: string;
  admin: boolean;
  via: CredentialKind;
  /** Granted scopes; `*` for the account's own password, sessions and app passwords. */
  scopes: readonly string[];
  /** The app password or token used, when one was. */
  credentialId: string | null;
  /** The device an app password was created for, when it was. */
  deviceId: string | null;
}
