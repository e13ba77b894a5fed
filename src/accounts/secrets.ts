import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer secrets (app passwords, personal access tokens, OAuth tokens, session ids): 32 random
 * bytes, shown to the user once, stored only as their SHA-256. With that much entropy a fast
 * hash is enough, and looking a secret up by its hash leaks nothing about other secrets.
 */
export type SecretKind = 'app_password' | 'personal_token' | 'access_token' | 'refresh_token' | 'session' | 'invite' | 'login_flow' | 'login_poll' | 'play_token';

const PREFIXES: Record<SecretKind, string> = {
  app_password: 'bap_',
  personal_token: 'bpt_',
  access_token: 'bat_',
  refresh_token: 'brt_',
  session: 'bse_',
  invite: 'bin_',
  // Nextcloud Login Flow v2 (src/adapters/nextcloud): the browser's link and the app's poll token.
  login_flow: 'blf_',
  login_poll: 'blp_',
  // In personal feed and play-gateway URLs: URL-safe as they are (base64url).
  play_token: 'bpl_',
};

export function newSecret(kind: SecretKind): string {
  return PREFIXES[kind] + randomBytes(32).toString('base64url');
}

export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

const SECRET_IN_TEXT = new RegExp(`\\b(${Object.values(PREFIXES).join('|')})[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`, 'g');

/** `text` with every secret of ours in it masked, its prefix kept (for logs: URLs carry some). */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, '$1[redacted]');
}

/** The kind a presented secret claims to be, from its prefix (undefined: not one of ours). */
export function secretKind(secret: string): SecretKind | undefined {
  for (const [kind, prefix] of Object.entries(PREFIXES) as [SecretKind, string][]) {
    if (secret.startsWith(prefix) && secret.length === prefix.length + 43) return kind;
  }
  return undefined;
}
