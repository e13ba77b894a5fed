import { randomBytes } from 'node:crypto';
import { ERASURES_STREAM, START, type GlobalPosition } from '../store/events.js';
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
 * Inline projections are rebuilt beside the live ones, then switched in:
 *
 * 1. empty copies of the projector's tables are made in a scratch schema;
 * 2. history is replayed into them in committed batches (with the scratch schema first on the
 *    search path, so the projector's unqualified SQL lands there), while appends go on and keep
 *    the live tables current;
 * 3. one short transaction holds writers off the event log (SHARE lock: reads go on, appends
 *    wait), replays the events appended meanwhile, and replaces the live rows with the rebuilt
 *    ones, so no append can slip between the replay and the switch.
 *
 * Replaying a million events in a single transaction was measured at half the speed: every
 * update of a row left a version that could not be pruned before the end.
 */
class ErasedDuringRebuild extends Error {}

async function rebuildInline(db: Database, store: EventStore, projector: Projector, options: RebuildOptions): Promise<RebuildResult> {
  // An account erased while its rows sat in the scratch copy would come back with the switch:
  // start over when that happens (erasures are rare; three tries are plenty).
  for (let attempt = 1; ; attempt++) {
    try {
      return await rebuildInlineOnce(db, store, projector, options);
    } catch (error) {
      if (!(error instanceof ErasedDuringRebuild) || attempt >= 3) throw error;
    }
  }
}

async function rebuildInlineOnce(db: Database, store: EventStore, projector: Projector, options: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const erasures = await store.streamVersion(db, ERASURES_STREAM);
  const batchSize = options.batchSize ?? 5000;
  const types = typeFilter(projector);
  const live = (await db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!.schema;
  if (options.onlyIfStale && isCurrent((await readCheckpoint(db, projector.name))?.version, projector)) {
    return { applied: 0, elapsedMs: 0, skipped: true };
  }
  // A name of its own: two processes rebuilding at start-up do not trip over each other.
  const scratch = `balados_rebuild_${randomBytes(6).toString('hex')}`;
  const scratchFirst = `SET LOCAL search_path TO ${quoteIdentifier(scratch)}, ${quoteIdentifier(live)}`;
  await db.transaction(async (tx) => {
    await tx.query(`CREATE SCHEMA ${quoteIdentifier(scratch)}`);
    for (const table of projector.tables) {
      await tx.query(`CREATE TABLE ${quoteIdentifier(scratch)}.${quoteIdentifier(table)} (LIKE ${quoteIdentifier(live)}.${quoteIdentifier(table)} INCLUDING ALL)`);
    }
  });
  try {
    const total = await countEvents(db, projector);
    let after: GlobalPosition = START;
    let applied = 0;
    const replay = async (tx: Sql, belowRunningTransactions: boolean): Promise<boolean> => {
      await tx.query(scratchFirst);
      const page = await store.readAll({ after, limit: batchSize, tx, belowRunningTransactions, ...(types ? { types } : {}) });
      if (page.events.length > 0) await projector.apply(tx, page.events);
      applied += page.events.length;
      after = page.checkpoint;
      options.onProgress?.({ projector: projector.name, applied, total: Math.max(total, applied), elapsedMs: Date.now() - started });
      return page.hasMore;
    };
    while (await db.transaction((tx) => replay(tx, true)));
    return await db.transaction(async (tx) => {
      await tx.query('LOCK TABLE events IN SHARE MODE');
      await lockProjector(tx, projector.name);
      if (options.onlyIfStale && isCurrent((await readCheckpoint(tx, projector.name))?.version, projector)) {
        return { applied: 0, elapsedMs: 0, skipped: true };
      }
      if ((await store.streamVersion(tx, ERASURES_STREAM)) !== erasures) throw new ErasedDuringRebuild();
      // Nothing can be appended now: what is visible is everything, in commit-safe order after `after`.
      while (await replay(tx, false));
      await tx.query(`SET LOCAL search_path TO ${quoteIdentifier(live)}`);
      // DELETE, not TRUNCATE: its lock does not conflict with readers, so a request reading
      // these tables before appending (and so waiting on our SHARE lock) cannot deadlock with us.
      for (const table of projector.tables) await tx.query(`DELETE FROM ${quoteIdentifier(table)}`);
      for (const table of projector.tables) {
        await tx.query(`INSERT INTO ${quoteIdentifier(table)} SELECT * FROM ${quoteIdentifier(scratch)}.${quoteIdentifier(table)}`);
      }
      await resetCheckpoint(tx, projector);
      // Inline projectors do not read from a checkpoint; the position only records the rebuild.
      await advanceCheckpoint(tx, projector.name, after, applied);
      return { applied, elapsedMs: Date.now() - started, skipped: false };
    });
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS ${quoteIdentifier(scratch)} CASCADE`);
  }
}

/**
 * Async projections are emptied and reset in one transaction, then caught up batch by batch
 * (each batch commits with its checkpoint, so an interrupted rebuild resumes where it stopped).
 */
async function rebuildAsync(db: Database, store: EventStore, projector: Projector, options: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  if (!(await resetAsyncProjection(db, projector, options))) return { applied: 0, elapsedMs: 0, skipped: true };
  const total = await countEvents(db, projector);
  // The log is read below the oldest running transaction (commit-safe order): a transaction
  // anywhere on the server that began before the rebuild holds the reader back. Done means every
  // event committed before the rebuild began is applied: past this horizon, and read once more.
  const horizon = await currentHorizon(db);
  let horizonPassed = false;
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
    if (outcome.hasMore) continue;
    if (horizonPassed) break;
    horizonPassed = await isPast(db, horizon);
    if (!horizonPassed) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { applied, elapsedMs: Date.now() - started, skipped: false };
}

/** The first transaction id not yet started: every transaction below it has begun already. */
async function currentHorizon(db: Database): Promise<string> {
  const result = await db.query<{ horizon: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS horizon');
  return result.rows[0]!.horizon;
}

/** True once every transaction that had begun before `horizon` was taken has ended. */
async function isPast(db: Database, horizon: string): Promise<boolean> {
  const result = await db.query<{ past: boolean }>('SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS past', [horizon]);
  return result.rows[0]!.past;
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
