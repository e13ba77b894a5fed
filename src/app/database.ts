import path from 'node:path';
import { redactUrl, type Config } from '../config.js';
import { PostgresDatabase } from '../store/pg-driver.js';
import { PgliteDatabase } from '../store/pglite-driver.js';
import type { Database } from '../store/sql.js';

export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
  override name = 'DatabaseUnavailableError';
}

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite database in DATA_DIR. */
export async function openDatabase(config: Config): Promise<Database> {
  if (!config.databaseUrl) return PgliteDatabase.open({ dataDir: path.resolve(config.dataDir) });
  const db = new PostgresDatabase({ connectionString: config.databaseUrl, maxConnections: config.databasePoolSize });
  try {
    await db.query('SELECT 1');
  } catch (error) {
    await db.close().catch(() => {});
    throw new DatabaseUnavailableError(`Cannot connect to PostgreSQL at ${redactUrl(config.databaseUrl)}: ${(error as Error).message}`);
  }
  return db;
}

export function describeDatabase(config: Config): string {
  return config.databaseUrl ? `PostgreSQL ${redactUrl(config.databaseUrl)}` : `embedded PGlite in ${path.resolve(config.dataDir)}`;
}
