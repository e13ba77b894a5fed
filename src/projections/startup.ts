import type { Logger } from 'pino';
import type { EventStore } from '../store/event-store.js';
import type { Database } from '../store/sql.js';
import { readAllCheckpoints } from './checkpoints.js';
import type { Projector } from './projector.js';
import { rebuildProjection, resetAsyncProjection, type RebuildProgress } from './rebuild.js';

/**
 * Brings every projection to its code version before the server takes traffic: a projector
 * that is new, or whose `version` changed, is rebuilt (inline ones fully, now; async ones
 * are reset and then caught up by the background runner).
 */
export async function prepareProjections(
  db: Database,
  store: EventStore,
  projectors: readonly Projector[],
  options: { logger?: Logger; onProgress?: (progress: RebuildProgress) => void } = {},
): Promise<string[]> {
  const names = new Set<string>();
  for (const projector of projectors) {
    if (names.has(projector.name)) throw new Error(`Two projectors are named ${projector.name}`);
    names.add(projector.name);
  }
  const checkpoints = await readAllCheckpoints(db);
  const rebuilt: string[] = [];
  for (const projector of projectors) {
    if (checkpoints.get(projector.name)?.version === projector.version) continue;
    options.logger?.info({ projector: projector.name, kind: projector.kind }, 'projection is new or changed: rebuilding');
    if (projector.kind === 'inline') {
      const result = await rebuildProjection(db, store, projector, { onlyIfStale: true, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
      if (!result.skipped) rebuilt.push(projector.name);
    } else {
      if (await resetAsyncProjection(db, projector, { onlyIfStale: true })) rebuilt.push(projector.name);
    }
  }
  return rebuilt;
}
