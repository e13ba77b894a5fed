import type { EventStore } from '../store/event-store.js';
import type { Database } from '../store/sql.js';
import { advanceCheckpoint, readCheckpoint, tryLockProjector } from './checkpoints.js';
import { typeFilter, type Projector } from './projector.js';

export interface BatchOutcome {
  /** False when another process is working on this projector right now. */
  ran: boolean;
  applied: number;
  hasMore: boolean;
}

/**
 * Applies the next batch of events to an async projector: read from its checkpoint, apply,
 * move the checkpoint, all in one transaction. A crash anywhere rolls all of it back, so an
 * event is never applied twice nor skipped.
 */
export async function applyNextBatch(db: Database, store: EventStore, projector: Projector, batchSize: number): Promise<BatchOutcome> {
  return db.transaction(async (tx) => {
    if (!(await tryLockProjector(tx, projector.name))) return { ran: false, applied: 0, hasMore: false };
    const checkpoint = await readCheckpoint(tx, projector.name);
    if (!checkpoint) throw new Error(`Projector ${projector.name} is not registered`);
    if (checkpoint.version !== projector.version) {
      // Another process runs a different code version; let the one that owns it rebuild.
      return { ran: false, applied: 0, hasMore: false };
    }
    const types = typeFilter(projector);
    const page = await store.readAll({ after: checkpoint.position, limit: batchSize, tx, ...(types ? { types } : {}) });
    if (page.events.length > 0) await projector.apply(tx, page.events);
    const moved =
      page.checkpoint.transactionId !== checkpoint.position.transactionId || page.checkpoint.position !== checkpoint.position.position;
    if (moved) await advanceCheckpoint(tx, projector.name, page.checkpoint, page.events.length);
    return { ran: true, applied: page.events.length, hasMore: page.hasMore };
  });
}

/**
 * Applies every async projector until none has anything left, in passes, since reactors append
 * events that other projectors read. For commands that run without the background runner.
 */
export async function catchUpAsync(db: Database, store: EventStore, projectors: readonly Projector[], options: { batchSize?: number; maxPasses?: number } = {}): Promise<void> {
  const asyncProjectors = projectors.filter((projector) => projector.kind === 'async');
  for (let pass = 0; pass < (options.maxPasses ?? 50); pass++) {
    let applied = 0;
    for (const projector of asyncProjectors) {
      for (;;) {
        const outcome = await applyNextBatch(db, store, projector, options.batchSize ?? 1000);
        applied += outcome.applied;
        if (!outcome.hasMore) break;
      }
    }
    if (applied === 0) return;
  }
}
