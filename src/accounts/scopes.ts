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
