/**
 * Which redirect URIs an app may use (RFC 8252 for native apps), and how a presented one is
 * matched against what the app registered. Pure: no I/O.
 */
export const MAX_REDIRECT_URI_LENGTH = 2000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);

// Schemes that run code, read local data or belong to the web platform: never a callback.
const FORBIDDEN_SCHEMES = new Set([
  'javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'filesystem', 'view-source',
  'ftp', 'ws', 'wss', 'mailto', 'tel', 'sms', 'intent', 'chrome', 'chrome-extension', 'moz-extension', 'resource',
]);

const SCHEME = /^[a-z][a-z0-9+.-]*$/;

function parse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

function schemeOf(url: URL): string {
  return url.protocol.slice(0, -1);
}

export function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** Why `uri` cannot be registered as a redirect URI (undefined: it can). */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH) return `A redirect URI has 1 to ${MAX_REDIRECT_URI_LENGTH} characters`;
  // Checked on the text: the URL parser would silently drop an empty fragment.
  if (uri.includes('#')) return `Redirect URIs must not have a fragment: ${uri}`;
  // Printable ASCII only: anything else cannot go into a Location header as it stands.
  if (/[^\x21-\x7e]/.test(uri)) return `Redirect URIs must be printable ASCII without spaces (percent-encode the rest): ${uri}`;
  const url = parse(uri);
  if (!url) return `Not an absolute URI: ${uri}`;
  if (url.username || url.password) return `Redirect URIs must not carry a user name or password: ${uri}`;
  const scheme = schemeOf(url);
  if (scheme === 'https') return url.hostname ? undefined : `An https redirect URI needs a host: ${uri}`;
  if (scheme === 'http') {
    return isLoopback(url) ? undefined : `http is only allowed for a loopback redirect (localhost or 127.0.0.1); use https: ${uri}`;
  }
  if (!SCHEME.test(scheme) || FORBIDDEN_SCHEMES.has(scheme)) return `This scheme cannot be a redirect URI: ${uri}`;
  return undefined;
}

/**
 * Whether a presented redirect URI is one of the registered ones: an exact match, except that
 * a loopback redirect may use any port (a native app listens on whatever port it gets,
 * RFC 8252 §7.3).
 */
export function matchesRegistered(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  if (redirectUriProblem(presented)) return false;
  const url = parse(presented);
  if (!url || !isLoopback(url)) return false;
  return registered.some((candidate) => {
    const known = parse(candidate);
    return (
      known !== undefined &&
      isLoopback(known) &&
      known.hostname === url.hostname &&
      known.pathname === url.pathname &&
      known.search === url.search
    );
  });
}

/** The redirect URI with parameters added, keeping its own query as it was written. */
export function withParameters(uri: string, parameters: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) query.append(name, value);
  const text = query.toString();
  if (!text) return uri;
  return `${uri}${uri.includes('?') ? (uri.endsWith('?') || uri.endsWith('&') ? '' : '&') : '?'}${text}`;
}

/**
 * The CSP source that lets the consent form's answer redirect to `uri`. Chromium applies
 * `form-action` to every redirect that follows a form submission, so `'self'` alone would
 * block the 303 to the app: the app's origin (web, loopback) or scheme (native) is added.
 */
export function formActionSource(uri: string): string | undefined {
  const url = parse(uri);
  if (!url) return undefined;
  const scheme = schemeOf(url);
  if (scheme === 'https' || scheme === 'http') return url.origin;
  return SCHEME.test(scheme) ? `${scheme}:` : undefined;
}

/** What the consent page shows as "where you will be sent". */
export function redirectHost(uri: string): string {
  const url = parse(uri);
  if (!url) return uri;
  const scheme = schemeOf(url);
  if (scheme === 'https' || scheme === 'http') return url.host;
  return `${scheme}: (an app on this device)`;
}
