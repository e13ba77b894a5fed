/**
 * Configuration comes from the environment only, and is checked as a whole at start: one
 * message lists every problem, so a self-hoster fixes them in one go.
 */
import { createAddressPolicy } from './feeds/fetcher/address-policy.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  /** Public URL of the instance, without trailing slash (links, OpenAPI servers, feeds). */
  baseUrl: string;
  /** Where the embedded database lives when no DATABASE_URL is given. */
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  logLevel: LogLevel;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /**
   * Which proxies' X-Forwarded-* headers to believe (Fastify `trustProxy`): false, or a list of
   * addresses, CIDR ranges or the keywords loopback, linklocal, uniquelocal.
   */
  trustProxy: false | string;
  /** Who may create an account (the first account of an instance always may). */
  registration: 'open' | 'closed' | 'invite';
  feeds: FeedsConfig;
}

export interface FeedsConfig {
  /** Background refresh of subscribed feeds (`serve` only). */
  scheduler: boolean;
  /** Feeds fetched at once per process. */
  concurrency: number;
  minIntervalSeconds: number;
  maxIntervalSeconds: number;
  /** Longest wait between two attempts of a failing feed. */
  maxBackoffSeconds: number;
  /** Private addresses or CIDR ranges feeds may use (intranet servers); everything else internal stays refused. */
  allowedAddresses: string[];
  /** Shortest time between two on-demand refreshes of one feed (POST …/refresh). */
  manualRefreshSeconds: number;
}

export class ConfigError extends Error {
  readonly code = 'invalid_configuration';
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export interface ConfigVariable {
  name: string;
  default: string;
  description: string;
}

/** Documented in the README's configuration table (a test keeps them in step). */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'PORT', default: '8080', description: 'TCP port the HTTP server listens on (`0`: any free port, printed at start).' },
  { name: 'HOST', default: '0.0.0.0', description: 'Interface to listen on (`127.0.0.1` to accept local connections only).' },
  { name: 'BASE_URL', default: 'http://localhost:$PORT', description: 'Public URL of the instance, as clients reach it (used in links and the OpenAPI document).' },
  { name: 'DATA_DIR', default: './data', description: 'Directory of the embedded PGlite database (used when `DATABASE_URL` is not set).' },
  { name: 'DATABASE_URL', default: '(unset)', description: 'PostgreSQL connection string, e.g. `postgres://user:pass@host:5432/balados`; when set, PostgreSQL is used instead of PGlite.' },
  { name: 'DATABASE_POOL_SIZE', default: '10', description: 'Maximum PostgreSQL connections per server process.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'One of `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`.' },
  { name: 'BODY_LIMIT', default: '1048576', description: 'Largest accepted request body, in bytes.' },
  { name: 'TRUST_PROXY', default: 'false', description: 'Behind a reverse proxy: `true` believes `X-Forwarded-For`/`-Proto` from proxies on loopback or private addresses; or give the proxies yourself, comma-separated (`10.0.0.5, 192.168.1.0/24`). Never all hops: clients could pick their address.' },
  { name: 'REGISTRATION', default: 'closed', description: '`open`: anyone may create an account; `invite`: only with an invitation code from an administrator (`balados user invite`); `closed`: accounts are added by an administrator (`balados user add`). The first account of an instance can always register, and becomes administrator.' },
  { name: 'FEED_SCHEDULER', default: 'on', description: '`off` stops the background refresh of subscribed feeds (first-subscription fetches included); on-demand refreshes still work.' },
  { name: 'FEED_CONCURRENCY', default: '16', description: 'Feeds one server process fetches at once.' },
  { name: 'FEED_MIN_INTERVAL_MINUTES', default: '15', description: 'Shortest time between two refreshes of a feed; the interval adapts to how often the feed publishes, between this and the maximum.' },
  { name: 'FEED_MAX_INTERVAL_MINUTES', default: '1440', description: 'Longest time between two refreshes of a feed (dormant feeds).' },
  { name: 'FEED_MAX_BACKOFF_MINUTES', default: '1440', description: 'Longest wait before retrying a failing feed (the wait doubles from 5 minutes with each failure).' },
  { name: 'FEED_ALLOWED_ADDRESSES', default: '(none)', description: 'Private addresses or CIDR ranges feeds may be fetched from, comma-separated (`10.1.2.3, 192.168.0.0/16`): intranet feed servers. Every other loopback, private or link-local address is refused.' },
  { name: 'FEED_MANUAL_REFRESH_SECONDS', default: '60', description: 'Shortest time between two on-demand refreshes of one feed (`POST /api/v1/podcasts/{feedId}/refresh`).' },
];

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!/^\d+$/.test(raw) || parsed < min || parsed > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return parsed;
}

function url(raw: string, name: string, protocols: readonly string[], problems: string[]): URL | undefined {
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must start with ${protocols.map((protocol) => `${protocol}//`).join(' or ')} (got "${redactUrl(raw)}")`);
      return undefined;
    }
    return parsed;
  } catch {
    problems.push(`${name} is not a valid URL (got "${redactUrl(raw)}")`);
    return undefined;
  }
}

/** Hides a password in a connection string before it reaches a message or a log. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    // Not parseable: hide everything between the scheme and the last '@'.
    return raw.replace(/\/\/[^/]*@/, '//***@');
  }
}

const PROXY_ENTRY = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/;

function trustedProxies(env: Env, problems: string[]): false | string {
  const raw = value(env, 'TRUST_PROXY');
  if (raw === undefined || ['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  // "true" must not mean Fastify's true (every hop), which lets a client choose its own address.
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return 'loopback,linklocal,uniquelocal';
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.filter((entry) => !PROXY_ENTRY.test(entry));
  if (entries.length === 0 || bad.length > 0) {
    problems.push(`TRUST_PROXY must be true, false, or proxy addresses/CIDR ranges separated by commas (got "${raw}")`);
    return false;
  }
  return entries.join(',');
}

function registrationMode(env: Env, problems: string[]): Config['registration'] {
  const raw = (value(env, 'REGISTRATION') ?? 'closed').toLowerCase();
  if (raw === 'open' || raw === 'closed' || raw === 'invite') return raw;
  problems.push(`REGISTRATION must be open, closed or invite (got "${raw}")`);
  return 'closed';
}

function feedsConfig(env: Env, problems: string[]): FeedsConfig {
  const scheduler = (value(env, 'FEED_SCHEDULER') ?? 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(scheduler)) problems.push(`FEED_SCHEDULER must be on or off (got "${scheduler}")`);
  const minMinutes = integer(env, 'FEED_MIN_INTERVAL_MINUTES', 15, 1, 10_080, problems);
  const maxMinutes = integer(env, 'FEED_MAX_INTERVAL_MINUTES', 1440, 1, 43_200, problems);
  if (maxMinutes < minMinutes) problems.push(`FEED_MAX_INTERVAL_MINUTES (${maxMinutes}) must not be below FEED_MIN_INTERVAL_MINUTES (${minMinutes})`);
  const addresses = (value(env, 'FEED_ALLOWED_ADDRESSES') ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  // Checked by the fetcher's own address policy, so what passes here is what it will accept.
  const bad = addresses.filter((entry) => {
    try {
      createAddressPolicy({ allowedAddresses: [entry] });
      return false;
    } catch {
      return true;
    }
  });
  if (bad.length > 0) problems.push(`FEED_ALLOWED_ADDRESSES must be IP addresses or CIDR ranges separated by commas (got "${bad.join(', ')}")`);
  return {
    scheduler: ['on', 'true', '1'].includes(scheduler),
    concurrency: integer(env, 'FEED_CONCURRENCY', 16, 1, 512, problems),
    minIntervalSeconds: minMinutes * 60,
    maxIntervalSeconds: maxMinutes * 60,
    maxBackoffSeconds: integer(env, 'FEED_MAX_BACKOFF_MINUTES', 1440, 5, 43_200, problems) * 60,
    allowedAddresses: addresses,
    manualRefreshSeconds: integer(env, 'FEED_MANUAL_REFRESH_SECONDS', 60, 0, 86_400, problems),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 8080, 0, 65_535, problems);
  const logLevel = (value(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  let baseUrl = `http://localhost:${port}`;
  const rawBase = value(env, 'BASE_URL');
  if (rawBase !== undefined) {
    const parsed = url(rawBase, 'BASE_URL', ['http:', 'https:'], problems);
    if (parsed) {
      if (parsed.search || parsed.hash) problems.push(`BASE_URL must not have a query or fragment (got "${rawBase}")`);
      baseUrl = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
    }
  }
  const databaseUrl = value(env, 'DATABASE_URL');
  if (databaseUrl !== undefined) url(databaseUrl, 'DATABASE_URL', ['postgres:', 'postgresql:'], problems);

  const config: Config = {
    port,
    host: value(env, 'HOST') ?? '0.0.0.0',
    baseUrl,
    dataDir: value(env, 'DATA_DIR') ?? './data',
    databaseUrl,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000, problems),
    logLevel: logLevel as LogLevel,
    bodyLimit: integer(env, 'BODY_LIMIT', 1_048_576, 1024, 1_073_741_824, problems),
    trustProxy: trustedProxies(env, problems),
    registration: registrationMode(env, problems),
    feeds: feedsConfig(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
