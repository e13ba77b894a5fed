import type { App } from '../../src/http/server.js';
import { basic } from './http.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
}

/**
 * A client of the native API for tests: one account, optionally one device (X-Device-Id),
 * through the real server (`inject`: same routing, validation and serialisation as a socket).
 */
export function apiClient(app: App, username: string, password: string, deviceId?: string) {
  const headers = { authorization: basic(username, password), ...(deviceId ? { 'x-device-id': deviceId } : {}) };
  async function call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, extra: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await app.inject({ method, url, headers: { ...headers, ...extra }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, body: (type.includes('json') ? response.json() : response.body) as T, headers: response.headers };
  }
  return {
    get: <T = any>(url: string, extra?: Record<string, string>) => call<T>('GET', url, undefined, extra),
    post: <T = any>(url: string, payload?: unknown, extra?: Record<string, string>) => call<T>('POST', url, payload ?? {}, extra),
    put: <T = any>(url: string, payload?: unknown, extra?: Record<string, string>) => call<T>('PUT', url, payload ?? {}, extra),
    patch: <T = any>(url: string, payload?: unknown, extra?: Record<string, string>) => call<T>('PATCH', url, payload ?? {}, extra),
    delete: <T = any>(url: string, extra?: Record<string, string>) => call<T>('DELETE', url, undefined, extra),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

let listeners = 0;

/** A new account (`<prefix><n>`, unique in this process) with a client for its phone and one for its laptop. */
export async function newListener(
  app: App,
  accounts: { register(username: string, password: string): Promise<{ userId: string }> },
  prefix: string,
): Promise<{ username: string; userId: string; phone: ApiClient; laptop: ApiClient }> {
  const username = `${prefix}${++listeners}`;
  const password = 'listener password';
  const { userId } = await accounts.register(username, password);
  return { username, userId, phone: apiClient(app, username, password, 'phone'), laptop: apiClient(app, username, password, 'laptop') };
}

/** How many events an account has in the log. */
export async function accountEventCount(db: { query<Row>(text: string, params?: readonly unknown[]): Promise<{ rows: Row[] }> }, userId: string): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE user_id = $1', [userId])).rows[0]!.n;
}
