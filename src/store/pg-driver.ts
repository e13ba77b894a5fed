import pg from 'pg';
import { PgChannelListener } from './pg-listener.js';
import type { ChannelHandlers, ChannelListener, Database, QueryOptions, QueryResult, Sql, SqlParam } from './sql.js';

// int8 as number (positions and versions stay far below 2^53), like PGlite does, so both
// drivers hand the same JavaScript types to the code above them.
const int8 = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use as search_path (tests isolate themselves this way). */
  schema?: string;
  maxConnections?: number;
  applicationName?: string;
}

function config(text: string, params: readonly SqlParam[] | undefined, options: QueryOptions | undefined): pg.QueryConfig {
  return { text, values: params as unknown[] | undefined, ...(options?.name ? { name: options.name } : {}) };
}

class PgClientSql implements Sql {
  constructor(private readonly client: pg.PoolClient) {}
  async query<Row>(text: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult<Row>> {
    const result = await this.client.query(config(text, params, options));
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  }
  async exec(script: string): Promise<void> {
    await this.client.query(script);
  }
}

export class PostgresDatabase implements Database {
  readonly driver = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly listeners = new Set<ChannelListener>();

  constructor(private readonly options: PostgresOptions) {
    const searchPath = options.schema ? `-c search_path=${quoteIdentifier(options.schema)}` : undefined;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      application_name: options.applicationName ?? 'balados-sync',
      types,
      ...(searchPath ? { options: searchPath } : {}),
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  async query<Row>(text: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult<Row>> {
    const result = await this.pool.query(config(text, params, options));
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgClientSql(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async listen(channel: string, handlers: ChannelHandlers): Promise<ChannelListener> {
    const listener = new PgChannelListener(this.options.connectionString, channel, handlers, this.options.applicationName ?? 'balados-sync');
    this.listeners.add(listener);
    await listener.start();
    return {
      stop: async () => {
        this.listeners.delete(listener);
        await listener.stop();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((listener) => listener.stop()));
    this.listeners.clear();
    if (this.pool.ended) return;
    await this.pool.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
