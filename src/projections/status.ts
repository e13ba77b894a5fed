import { formatPosition } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { readAllCheckpoints } from './checkpoints.js';
import { typeFilter, type Projector } from './projector.js';

export type ProjectionState = 'up_to_date' | 'catching_up' | 'needs_rebuild' | 'failing';

export interface ProjectionStatus {
  name: string;
  kind: 'inline' | 'async';
  state: ProjectionState;
  codeVersion: number;
  storedVersion: number | null;
  checkpoint: string | null;
  /** Events of its types not yet applied (capped at LAG_CAP; async projectors only). */
  lag: number;
  eventsApplied: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

export const LAG_CAP = 100_000;

async function countLag(sql: Sql, projector: Projector, after: { transactionId: string; position: number }): Promise<number> {
  const types = typeFilter(projector);
  const result = await sql.query<{ lag: number }>(
    `SELECT count(*)::int8 AS lag FROM (
       SELECT 1 FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
       ${types ? 'AND type = ANY($3::text[])' : ''} LIMIT ${LAG_CAP}
     ) pending`,
    types ? [after.transactionId, after.position, types] : [after.transactionId, after.position],
  );
  return result.rows[0]?.lag ?? 0;
}

export async function projectionStatuses(sql: Sql, projectors: readonly Projector[]): Promise<ProjectionStatus[]> {
  const checkpoints = await readAllCheckpoints(sql);
  const statuses: ProjectionStatus[] = [];
  for (const projector of projectors) {
    const row = checkpoints.get(projector.name);
    const current = row?.version === projector.version;
    const lag = projector.kind === 'async' && row ? await countLag(sql, projector, row.position) : 0;
    let state: ProjectionState = 'up_to_date';
    if (!current) state = 'needs_rebuild';
    else if (row?.lastError) state = 'failing';
    else if (lag > 0) state = 'catching_up';
    statuses.push({
      name: projector.name,
      kind: projector.kind,
      state,
      codeVersion: projector.version,
      storedVersion: row?.version ?? null,
      checkpoint: row && projector.kind === 'async' ? formatPosition(row.position) : null,
      lag,
      eventsApplied: row?.eventsApplied ?? 0,
      lastError: row?.lastError ?? null,
      lastErrorAt: row?.lastErrorAt?.toISOString() ?? null,
    });
  }
  return statuses;
}
