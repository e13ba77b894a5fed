import type { GlobalPosition } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import type { Projector } from './projector.js';

/** The `projection_checkpoints` row of a projector. */
export interface CheckpointRow {
  name: string;
  kind: 'inline' | 'async';
  version: number;
  position: GlobalPosition;
  eventsApplied: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  updatedAt: Date;
}

interface Row {
  name: string;
  kind: 'inline' | 'async';
  version: number;
  transaction_text: string;
  position: number;
  events_applied: number;
  last_error: string | null;
  last_error_at: Date | null;
  updated_at: Date;
}

const COLUMNS = 'name, kind, version, transaction_id::text AS transaction_text, position, events_applied, last_error, last_error_at, updated_at';

function fromRow(row: Row): CheckpointRow {
  return {
    name: row.name,
    kind: row.kind,
    version: row.version,
    position: { transactionId: row.transaction_text, position: row.position },
    eventsApplied: row.events_applied,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    updatedAt: row.updated_at,
  };
}

export async function readCheckpoint(sql: Sql, name: string): Promise<CheckpointRow | undefined> {
  const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM projection_checkpoints WHERE name = $1`, [name]);
  return result.rows[0] ? fromRow(result.rows[0]) : undefined;
}

export async function readAllCheckpoints(sql: Sql): Promise<Map<string, CheckpointRow>> {
  const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM projection_checkpoints`);
  return new Map(result.rows.map((row) => [row.name, fromRow(row)]));
}

/** Starts the projector from the beginning of the log at its current code version. */
export async function resetCheckpoint(sql: Sql, projector: Projector): Promise<void> {
  await sql.query(
    `INSERT INTO projection_checkpoints (name, kind, version) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, version = EXCLUDED.version, transaction_id = '0',
       position = 0, events_applied = 0, last_error = NULL, last_error_at = NULL, updated_at = now()`,
    [projector.name, projector.kind, projector.version],
  );
}

export async function advanceCheckpoint(sql: Sql, name: string, to: GlobalPosition, applied: number): Promise<void> {
  await sql.query(
    `UPDATE projection_checkpoints SET transaction_id = $2::xid8, position = $3, events_applied = events_applied + $4,
       last_error = NULL, last_error_at = NULL, updated_at = now() WHERE name = $1`,
    [name, to.transactionId, to.position, applied],
  );
}

export async function recordProjectionError(sql: Sql, name: string, message: string): Promise<void> {
  await sql.query(`UPDATE projection_checkpoints SET last_error = $2, last_error_at = now() WHERE name = $1`, [name, message.slice(0, 2000)]);
}

/**
 * Serialises work on one projector across processes without taking a transaction id (which a
 * row lock would, holding back every global reader). Scoped by schema so that test schemas on
 * one server do not contend.
 */
export async function tryLockProjector(sql: Sql, name: string): Promise<boolean> {
  const result = await sql.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_xact_lock(hashtext('balados.projection'), hashtext(current_schema() || '.' || $1)) AS locked`,
    [name],
  );
  return result.rows[0]?.locked === true;
}

export async function lockProjector(sql: Sql, name: string): Promise<void> {
  await sql.query(`SELECT pg_advisory_xact_lock(hashtext('balados.projection'), hashtext(current_schema() || '.' || $1))`, [name]);
}
