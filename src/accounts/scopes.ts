/**
 * Scopes of app tokens, with the hierarchy of the original system:
 * `*` grants everything, `*.read` / `*.write` every read / write scope, and
 * `user.<area>.write` does not imply `user.<area>.read` (an app may be write-only).
 */
export const SCOPES = [
  '*',
  '*.read',
  '*.write',
  'user.subscriptions.read',
  'user.subscriptions.write',
  'user.plays.read',
  'user.plays.write',
  'user.playlists.read',
  'user.playlists.write',
  'user.privacy.read',
  'user.privacy.write',
  'user.sync',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Whether a set of granted scopes allows `required`. */
export function scopeAllows(granted: readonly string[], required: Scope): boolean {
  if (granted.includes('*') || granted.includes(required)) return true;
  if (required.endsWith('.read') && granted.includes('*.read')) return true;
  if (required.endsWith('.write') && granted.includes('*.write')) return true;
  // Syncing reads and writes everything a client keeps in step.
  if (required === 'user.sync') return granted.includes('*.read') && granted.includes('*.write');
  return false;
}

export function parseScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const words = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  return { scopes: words.filter(isScope), unknown: words.filter((word) => !isScope(word)) };
}

/** What each scope lets an app do, in the words the consent page and the account page use. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  '*': 'Everything your account can do, including all of the below',
  '*.read': 'See all your data: subscriptions, listening history, playlists and privacy settings',
  '*.write': 'Change all your data: subscriptions, listening history, playlists and privacy settings',
  'user.subscriptions.read': 'See the podcasts you subscribe to',
  'user.subscriptions.write': 'Subscribe to and unsubscribe from podcasts',
  'user.plays.read': 'See what you listened to and where you stopped',
  'user.plays.write': 'Record what you listen to and where you stop',
  'user.playlists.read': 'See your playlists',
  'user.playlists.write': 'Create and change your playlists',
  'user.privacy.read': 'See your privacy settings',
  'user.privacy.write': 'Change your privacy settings',
  'user.sync': 'Keep everything in sync with the app (read and change all your podcast data)',
};
