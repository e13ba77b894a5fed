import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { quoteIdentifier } from './pg-driver.js';
import type { ChannelHandlers, ChannelListener, Database, QueryResult, Sql, SqlParam } from './sql.js';

export interface PgliteOptions {
  /** Directory holding the database; omit for an in-memory database. */
  dataDir?: string;
  /** Start from this data directory tarball (PGlite `dumpDataDir`), in memory: fast test setup. */
  template?: Blob;
  /** Use this schema as search_path: lets tests share one PGlite instance. */
  schema?: string;
}

function asParams(params: readonly SqlParam[] | undefined): unknown[] | undefined {
  return params as unknown[] | undefined;
}

class PgliteTxSql implements Sql {
  constructor(private readonly tx: Transaction) {}
  async query<Row>(text: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>> {
    const result = await this.tx.query<Row>(text, asParams(params));
    // PGlite reports affectedRows 0 for a SELECT: the rows returned count then.
    return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
  }
  async exec(script: string): Promise<void> {
    await this.tx.exec(script);
  }
}

export class PgliteDatabase implements Database {
  readonly driver = 'pglite' as const;
  private readonly searchPath: string | undefined;

  /** True when this open took over the directory from a process that had died holding it. */
  get recoveredFromCrash(): boolean {
    return this.lock?.recoveredStaleLock ?? false;
  }

  private constructor(
    readonly pglite: PGlite,
    private readonly lock: DataDirLock | undefined,
    private readonly ownsInstance: boolean,
    schema: string | undefined,
  ) {
    this.searchPath = schema ? `SET LOCAL search_path TO ${quoteIdentifier(schema)}` : undefined;
  }

  static async open(options: PgliteOptions = {}): Promise<PgliteDatabase> {
    if (!options.dataDir) {
      const pglite = await PGlite.create(options.template ? { loadDataDir: options.template } : {});
      return new PgliteDatabase(pglite, undefined, true, options.schema);
    }
    const pgdata = path.join(options.dataDir, 'pgdata');
    // PGlite would wait forever on the postmaster.pid of a process killed with -9.
    const lock = acquireDataDirLock(options.dataDir, () => fs.rmSync(path.join(pgdata, 'postmaster.pid'), { force: true }));
    try {
      const pglite = await PGlite.create({ dataDir: pgdata });
      return new PgliteDatabase(pglite, lock, true, options.schema);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Another view on the same instance, with its own search_path (tests). */
  static withSchema(shared: PgliteDatabase, schema: string): PgliteDatabase {
    return new PgliteDatabase(shared.pglite, undefined, false, schema);
  }

  async query<Row>(text: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>> {
    if (this.searchPath) return this.transaction((tx) => tx.query<Row>(text, params));
    const result = await this.pglite.query<Row>(text, asParams(params));
    // PGlite reports affectedRows 0 for a SELECT: the rows returned count then.
    return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.pglite.transaction(async (tx) => {
      if (this.searchPath) await tx.query(this.searchPath);
      return fn(new PgliteTxSql(tx));
    });
  }

  async exec(script: string): Promise<void> {
    if (this.searchPath) {
      await this.pglite.transaction(async (tx) => {
        await tx.exec(`${this.searchPath}; ${script}`);
      });
      return;
    }
    await this.pglite.exec(script);
  }

  /** One process owns a PGlite directory, so every sender is in this process: never lost. */
  async listen(channel: string, handlers: ChannelHandlers): Promise<ChannelListener> {
    const unsubscribe = await this.pglite.listen(channel, (payload) => handlers.message(payload));
    handlers.ready();
    return { stop: () => unsubscribe() };
  }

  async close(): Promise<void> {
    if (!this.ownsInstance) return;
    try {
      await this.pglite.close();
    } finally {
      this.lock?.release();
    }
  }
}
