import { START, type GlobalPosition } from '../store/events.js';
import type { EventStore } from '../store/event-store.js';
import { quoteIdentifier } from '../store/pg-driver.js';
import type { Database, Sql } from '../store/sql.js';
import { applyNextBatch } from './catch-up.js';
import { lockProjector, readCheckpoint, resetCheckpoint, advanceCheckpoint } from './checkpoints.js';
import { typeFilter, type Projector } from './projector.js';

export interface RebuildProgress {
  projector: string;
  applied: number;
  /** Events of the projector's types in the log when the rebuild started. */
  total: number;
  elapsedMs: number;
}

export interface RebuildOptions {
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** Skip the rebuild when, once locked, the projection turns out to be current (startup). */
  onlyIfStale?: boolean;
}

export interface RebuildResult {
  applied: number;
  elapsedMs: number;
  skipped: boolean;
}

async function truncateOwnedTables(tx: Sql, projector: Projector): Promise<void> {
  if (projector.tables.length === 0) return;
  await tx.query(`TRUNCATE ${projector.tables.map(quoteIdentifier).join(', ')}`);
}

async function countEvents(sql: Sql, projector: Projector): Promise<number> {
  const types = typeFilter(projector);
  const result = types
    ? await sql.query<{ total: number }>('SELECT count(*)::int8 AS total FROM events WHERE type = ANY($1::text[])', [types])
    : await sql.query<{ total: number }>('SELECT count(*)::int8 AS total FROM events');
  return result.rows[0]?.total ?? 0;
}

function isCurrent(checkpointVersion: number | undefined, projector: Projector): boolean {
  return checkpointVersion === projector.version;
}

/**
 * Inline projections are rebuilt in one transaction that holds writers off the event log
 * (SHARE lock: reads go on, appends wait), so no append can slip between the replay and the
 * switch back to inline updates.
 */
async function rebuildInline(db: Database, store: EventStore, projector: Projector, options: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 5000;
  return db.transaction(async (tx) => {
    await tx.query('LOCK TABLE events IN SHARE MODE');
    await lockProjector(tx, projector.name);
    if (options.onlyIfStale && isCurrent((await readCheckpoint(tx, projector.name))?.version, projector)) {
      return { applied: 0, elapsedMs: 0, skipped: true };
    }
    const total = await countEvents(tx, projector);
    await truncateOwnedTables(tx, projector);
    await resetCheckpoint(tx, projector);
    let after: GlobalPosition = START;
    let applied = 0;
    for (;;) {
      const types = typeFilter(projector);
      const page = await store.readAll({ after, limit: batchSize, tx, belowRunningTransactions: false, ...(types ? { types } : {}) });
      if (page.events.length > 0) await projector.apply(tx, page.events);
      applied += page.events.length;
      after = page.checkpoint;
      options.onProgress?.({ projector: projector.name, applied, total, elapsedMs: Date.now() - started });
      if (!page.hasMore) break;
    }
    // Inline projectors do not read from a checkpoint; the position only records the rebuild.
    await advanceCheckpoint(tx, projector.name, after, applied);
    return { applied, elapsedMs: Date.now() - started, skipped: false };
  });
}

/**
 * Async projections are emptied and reset in one transaction, then caught up batch by batch
 * (each batch commits with its checkpoint, so an interrupted rebuild resumes where it stopped).
 */
async function rebuildAsync(db: Database, store: EventStore, projector: Projector, options: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  if (!(await resetAsyncProjection(db, projector, options))) return { applied: 0, elapsedMs: 0, skipped: true };
  const total = await countEvents(db, projector);
  let applied = 0;
  for (;;) {
    const outcome = await applyNextBatch(db, store, projector, options.batchSize ?? 5000);
    if (!outcome.ran) {
      // A server process is applying a batch of this projector right now: wait for it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    applied += outcome.applied;
    options.onProgress?.({ projector: projector.name, applied, total, elapsedMs: Date.now() - started });
    if (!outcome.hasMore) break;
  }
  return { applied, elapsedMs: Date.now() - started, skipped: false };
}

/** Empties an async projection and moves its checkpoint back to the start; false when skipped. */
export async function resetAsyncProjection(db: Database, projector: Projector, options: { onlyIfStale?: boolean } = {}): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockProjector(tx, projector.name);
    if (options.onlyIfStale && isCurrent((await readCheckpoint(tx, projector.name))?.version, projector)) return false;
    await truncateOwnedTables(tx, projector);
    await resetCheckpoint(tx, projector);
    return true;
  });
}

export function rebuildProjection(db: Database, store: EventStore, projector: Projector, options: RebuildOptions = {}): Promise<RebuildResult> {
  return projector.kind === 'inline' ? rebuildInline(db, store, projector, options) : rebuildAsync(db, store, projector, options);
}
