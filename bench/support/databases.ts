import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PostgresDatabase, quoteIdentifier } from '../../src/store/pg-driver.js';
import { PgliteDatabase } from '../../src/store/pglite-driver.js';
import type { Database } from '../../src/store/sql.js';

/** PostgreSQL measured by the benchmarks: BENCH_DATABASE_URL, else TEST_DATABASE_URL (none: PGlite only). */
export const postgresUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

/** Whether that server runs on this machine, so that its processes' CPU time can be read here. */
export function isLocalPostgres(): boolean {
  if (!postgresUrl) return false;
  const url = new URL(postgresUrl);
  const host = url.searchParams.get('host') ?? url.hostname;
  return host === '' || host.startsWith('/') || ['localhost', '127.0.0.1', '[::1]'].includes(host);
}

/**
 * Runs `fn` on a fresh database: PGlite in a temporary data directory, or a scratch schema of
 * the PostgreSQL server, removed afterwards.
 */
export async function withDatabase(driver: string, fn: (db: Database) => Promise<void>, options: { maxConnections?: number } = {}): Promise<void> {
  if (driver === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-bench-'));
    const db = await PgliteDatabase.open({ dataDir: dir });
    try {
      await fn(db);
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const schema = `bench_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  const db = new PostgresDatabase({ connectionString: postgresUrl!, schema, maxConnections: options.maxConnections ?? 2 });
  try {
    await fn(db);
  } finally {
    await db.close();
    await admin.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
  }
}
