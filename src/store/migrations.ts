import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './sql.js';

/**
 * Numbered SQL migrations (`migrations/NNNN_name.sql`), the same files on both drivers.
 * Each runs in its own transaction under an advisory lock, so several server processes
 * starting at once on one PostgreSQL apply each migration exactly once.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: number[];
  pending: Migration[];
}

export class MigrationError extends Error {
  readonly code = 'migration_error';
  override name = 'MigrationError';
}

export const defaultMigrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any constant shared by all processes; the value means nothing.
const MIGRATION_LOCK_KEY = 7_358_201_442;

export function loadMigrations(dir = defaultMigrationsDir): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (!match) throw new MigrationError(`Migration file name ${file} does not match NNNN_name.sql`);
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationError(`Migrations must be numbered 0001, 0002, ... without gaps; found ${migration.version} at position ${index + 1}`);
    }
  });
  return migrations;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function appliedMigrations(db: Database): Promise<AppliedRow[]> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return [];
  const result = await db.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
  return result.rows;
}

function verifyApplied(applied: AppliedRow[], known: Migration[]): void {
  for (const row of applied) {
    const migration = known[row.version - 1];
    if (!migration) {
      throw new MigrationError(
        `The database has migration ${row.version} (${row.name}) that this version of Balados Sync does not know: it was written by a newer version.`,
      );
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(`Migration ${row.version} (${row.name}) was changed after it was applied; write a new migration instead.`);
    }
  }
}

export async function migrationStatus(db: Database, known = loadMigrations()): Promise<MigrationStatus> {
  const applied = await appliedMigrations(db);
  verifyApplied(applied, known);
  const done = new Set(applied.map((row) => row.version));
  return { applied: [...done], pending: known.filter((migration) => !done.has(migration.version)) };
}

/** Applies pending migrations; returns the versions it applied. */
export async function migrate(db: Database, known = loadMigrations()): Promise<number[]> {
  // A database migrated by a newer version (or with an edited migration) is refused outright.
  verifyApplied(await appliedMigrations(db), known);
  const appliedNow: number[] = [];
  for (const migration of known) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.query(CREATE_TABLE);
      const existing = await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations WHERE version = $1', [migration.version]);
      if (existing.rows[0]) {
        verifyApplied(existing.rows, known);
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (ran) appliedNow.push(migration.version);
  }
  return appliedNow;
}
