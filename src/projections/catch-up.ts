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
