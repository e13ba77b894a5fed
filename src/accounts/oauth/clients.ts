import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/decider.js';
import type { Sql } from '../../store/sql.js';
import { matchesRegistered, redirectUriProblem } from './redirect-uris.js';

/**
 * The apps that may ask for authorization. Either registered here (a random client id and a
 * list of redirect URIs), or identified by an https URL of their own (IndieAuth style, no
 * registration): such an app may only redirect to its own origin, and is shown by its host
 * name. The URL is never fetched: fetching arbitrary URLs from the server would let anyone
 * make it probe internal addresses.
 */
export interface OAuthClient {
  clientId: string;
  /** What the consent page calls the app (chosen by its developer: not verified). */
  name: string;
  /** True for registered apps; false for URL client ids. */
  registered: boolean;
  redirectUris: readonly string[];
}

export const MAX_CLIENT_NAME_LENGTH = 100;
export const MAX_REDIRECT_URIS = 10;
export const MAX_CLIENT_ID_LENGTH = 500;

/** A URL client id, normalised; undefined when `clientId` is not an acceptable one. */
export function urlClient(clientId: string): OAuthClient | undefined {
  if (clientId.length > MAX_CLIENT_ID_LENGTH || !clientId.startsWith('https://') || clientId.includes('#')) return undefined;
  if (/[\s\u0000-\u001f\u007f]/.test(clientId)) return undefined;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return undefined;
  }
  // A domain name is something the user can recognise; an IP address is not.
  if (url.username || url.password || !url.hostname.includes('.') || /^[\d.]+$/.test(url.hostname) || url.hostname.startsWith('[')) return undefined;
  return { clientId: url.href, name: url.hostname, registered: false, redirectUris: [] };
}

/** Whether the app may be sent back to `redirectUri`. */
export function clientAllowsRedirect(client: OAuthClient, redirectUri: string): boolean {
  if (client.registered) return matchesRegistered(client.redirectUris, redirectUri);
  if (redirectUriProblem(redirectUri)) return false;
  try {
    const target = new URL(redirectUri);
    return target.protocol === 'https:' && target.origin === new URL(client.clientId).origin;
  } catch {
    return false;
  }
}

function clientName(text: string): string {
  const name = text.trim();
  if (name.length === 0 || name.length > MAX_CLIENT_NAME_LENGTH) {
    throw new DomainError('invalid_client_metadata', `An app name has 1 to ${MAX_CLIENT_NAME_LENGTH} characters`, 400);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new DomainError('invalid_client_metadata', 'An app name must not contain control characters', 400);
  return name;
}

export class ClientStore {
  constructor(private readonly db: Sql) {}

  async register(name: string, redirectUris: readonly string[]): Promise<OAuthClient> {
    const uris = [...new Set(redirectUris)];
    if (uris.length === 0 || uris.length > MAX_REDIRECT_URIS) {
      throw new DomainError('invalid_redirect_uri', `An app registers 1 to ${MAX_REDIRECT_URIS} redirect URIs`, 400);
    }
    for (const uri of uris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new DomainError('invalid_redirect_uri', problem, 400);
    }
    const client: OAuthClient = { clientId: randomUUID(), name: clientName(name), registered: true, redirectUris: uris };
    await this.db.query('INSERT INTO oauth_clients (client_id, name, redirect_uris) VALUES ($1, $2, $3::text[])', [client.clientId, client.name, uris]);
    return client;
  }

  /** The registered app, or the URL client `clientId` stands for. */
  async find(clientId: string): Promise<OAuthClient | undefined> {
    if (clientId.startsWith('https://')) return urlClient(clientId);
    // Registered ids are UUIDs: anything else (a NUL byte included) is unknown without a query.
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(clientId)) return undefined;
    const result = await this.db.query<{ client_id: string; name: string; redirect_uris: string[] }>(
      'SELECT client_id, name, redirect_uris FROM oauth_clients WHERE client_id = $1',
      [clientId],
    );
    const row = result.rows[0];
    return row ? { clientId: row.client_id, name: row.name, registered: true, redirectUris: row.redirect_uris } : undefined;
  }
}
