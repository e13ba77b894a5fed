import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../../http/authentication.js';
import { HttpError } from '../../http/errors.js';
import type { Principal } from '../../accounts/principal.js';
import { usernameKey } from '../../accounts/username.js';
import { DEVICE_ID_PATTERN } from '../../accounts/devices/device-decider.js';
import { MAX_MEDIA_URL_LENGTH } from '../../playback/episode-identity.js';
import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { GPODDER_COOKIE, GPODDER_SESSION_LIFETIME_MS, type GpodderSessions } from './sessions.js';

/**
 * Request handling shared by the gpodder.net routes: credentials (Basic, or the `sessionid`
 * cookie), bodies (JSON whatever the content type), paths (`name.ext`), and the user named in
 * the path.
 */
export async function gpodderRequestHandling(app: FastifyInstance, sessions: GpodderSessions, secureCookies: boolean): Promise<void> {
  // gPodder labels its JSON application/x-www-form-urlencoded, AntennaPod sends an empty
  // `plain/text` body to login.json: every body is read as text, then as JSON where JSON is due.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    refuseCrossSiteChanges(request);
    if (!request.principal && !request.credentialsRefused) {
      const secret = request.cookies[GPODDER_COOKIE];
      const principal = secret ? await sessions.resolve(secret) : undefined;
      if (principal) request.principal = principal;
    }
    // gPodder sends credentials only after a challenge, and only three times per run: like
    // mygpo, every Basic-authenticated answer carries the session cookie it then sends back.
    const authorization = request.headers.authorization;
    if (request.principal && authorization && /^basic /i.test(authorization)) {
      setSessionCookie(reply, await sessions.issue(request.principal, authorization), secureCookies);
    }
  });
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * These routes take any body under any content type (see above), so a page on another site
 * could make a browser post a form to them, and a browser that once signed in here with HTTP
 * Basic attaches those credentials by itself. Browsers say where a request comes from
 * (`Sec-Fetch-Site`, `Origin`); podcast apps send neither. A change coming from another site is
 * refused.
 */
function refuseCrossSiteChanges(request: FastifyRequest): void {
  if (!UNSAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  let foreign = typeof site === 'string' && site !== 'same-origin' && site !== 'none';
  if (!foreign && typeof origin === 'string') {
    try {
      const from = new URL(origin);
      // Both sides normalized: `Host: example.org:80` is the origin `http://example.org`.
      foreign = from.host !== new URL(`${from.protocol}//${request.headers.host ?? ''}`).host;
    } catch {
      foreign = true;
    }
  }
  if (foreign) throw new HttpError(403, 'cross_site_request', 'Changes through this API cannot come from another web site');
}

export function setSessionCookie(reply: FastifyReply, secret: string, secure: boolean): void {
  // Host-only, Path=/: the cookie jars of Java (ACCEPT_ORIGINAL_SERVER) and Python keep it;
  // Secure only over https, or both would drop it on a plain http test instance.
  reply.setCookie(GPODDER_COOKIE, secret, { path: '/', maxAge: GPODDER_SESSION_LIFETIME_MS / 1000, httpOnly: true, sameSite: 'lax', secure });
}

/** The authenticated account, which must be the one the path names (mygpo answers 400 otherwise). */
export function accountFor(request: FastifyRequest, username: string): Principal {
  const principal = principalOf(request);
  if (usernameKey(principal.username) !== usernameKey(username)) {
    throw new HttpError(400, 'wrong_user', 'The path names another account than the credentials');
  }
  return principal;
}

/** `thinkpad.local.json` → `thinkpad.local` + `json`: device ids may hold dots, only the last one counts. */
export function splitExtension(file: string): { name: string; extension: string } {
  const dot = file.lastIndexOf('.');
  if (dot <= 0) throw new HttpError(404, 'not_found', 'No such resource: the path must end in a format extension');
  return { name: file.slice(0, dot), extension: file.slice(dot + 1).toLowerCase() };
}

export function jsonName(file: string): string {
  const { name, extension } = splitExtension(file);
  if (extension !== 'json') throw new HttpError(404, 'not_found', 'No such resource: this path ends in .json');
  return name;
}

export function checkDeviceId(deviceId: string): string {
  if (!DEVICE_ID_PATTERN.test(deviceId)) throw new HttpError(400, 'invalid_device_id', 'A device id is 1 to 64 letters, digits, dots, dashes or underscores');
  return deviceId;
}

/** The request body as JSON; undefined when empty. */
export function jsonBody(request: FastifyRequest): unknown {
  const text = typeof request.body === 'string' ? request.body.trim() : '';
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON');
  }
}

export function textBody(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

/** A query parameter naming a podcast by its feed URL, normalized. */
export function feedUrlParam(value: string | undefined, name: string): string {
  const feedUrl = value === undefined ? undefined : tryNormalizeFeedUrl(value);
  if (!feedUrl) throw new HttpError(400, 'invalid_feed_url', `${name}= must be the feed URL of a podcast`);
  return feedUrl;
}

/** A query parameter naming an episode by its media URL, kept as given (as episode actions name episodes). */
export function episodeUrlParam(value: string | undefined, name: string): string {
  if (!value || value.trim() === '' || value.length > MAX_MEDIA_URL_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new HttpError(400, 'invalid_episode', `${name}= is the episode's media URL, at most ${MAX_MEDIA_URL_LENGTH} characters`);
  }
  return value;
}
