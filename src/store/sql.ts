/**
 * The one database abstraction every module uses. Both drivers speak PostgreSQL,
 * so this is only about connections and transactions, never about dialects.
 */
export type SqlParam = string | number | bigint | boolean | null | Date | readonly unknown[] | object;

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** Something that runs SQL: the database itself or an open transaction. */
export interface QueryOptions {
  /**
   * Name under which PostgreSQL keeps the statement prepared on each connection, for hot
   * statements whose planning costs more than their execution. The text for a name must never
   * change. PGlite has no prepared statements over its API and ignores it.
   */
  name?: string;
}

export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult<Row>>;
  /** Several statements separated by `;`, no parameters (migrations). */
  exec(script: string): Promise<void>;
}

export type DriverName = 'postgres' | 'pglite';

export interface Database extends Sql {
  readonly driver: DriverName;
  /** Runs `fn` in one READ COMMITTED transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Hears the NOTIFYs sent on `channel` by any process (delivered when the sender commits).
   * Whoever relies on hearing every one (a cache invalidated by them) must stop trusting
   * itself between `lost` and the next `ready`.
   */
  listen(channel: string, handlers: ChannelHandlers): Promise<ChannelListener>;
  close(): Promise<void>;
}

export interface ChannelHandlers {
  message(payload: string): void;
  /** Listening works (again): every notification from now on is heard. */
  ready(): void;
  /** Notifications may be missed until the next `ready`. */
  lost(): void;
}

export interface ChannelListener {
  stop(): Promise<void>;
}

/** PostgreSQL error codes we react to. */
export const PgErrorCode = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
