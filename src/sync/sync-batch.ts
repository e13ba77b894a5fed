import { createHash } from 'node:crypto';
import { DomainError } from '../domain/decider.js';
import { HttpError } from '../http/errors.js';
import { ConcurrencyError } from '../store/events.js';
import type { Database, Sql } from '../store/sql.js';
import type { ChangeResult, SyncApplier } from './sync-source.js';

export interface BatchChange {
  type: string;
  /** The client's idempotency key for this change: a change seen before is not applied again. */
  id?: string;
  [field: string]: unknown;
}

export interface BatchResult extends ChangeResult {
  index: number;
  type: string;
  id?: string;
  /** True when this change's id had been applied before: the result is the one given then. */
  replayed?: boolean;
}

export interface BatchOptions {
  userId: string;
  deviceId?: string;
  receivedAt: number;
  /** The whole batch's idempotency key (Idempotency-Key header). */
  key?: string;
}

const ATTEMPTS = 5;

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/**
 * Applies an offline batch: every change or none (one transaction), each through its context's
 * commands. A batch key already used answers what the first application answered (and refuses
 * a different batch under the same key); a change id already used is skipped and answered from
 * its first application. Another writer moving a stream meanwhile retries the whole batch.
 */
export async function applyBatch(db: Database, appliers: readonly SyncApplier[], changes: readonly BatchChange[], options: BatchOptions): Promise<BatchResult[]> {
  const byType = new Map(appliers.map((applier) => [applier.type, applier]));
  const ids = new Set<string>();
  for (const [index, change] of changes.entries()) {
    if (change.id === undefined) continue;
    if (ids.has(change.id)) throw new HttpError(400, 'duplicate_change_id', `changes[${index}]: the id ${change.id.slice(0, 80)} appears twice in this batch`);
    ids.add(change.id);
  }
  const requestHash = hash(changes);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        if (options.key) {
          const previous = await claimKey(tx, options.userId, `batch:${options.key}`, requestHash);
          if (previous) return previous as BatchResult[];
        }
        // The account's counter first: every append of this batch then waits behind one lock
        // taken up front, instead of interleaving with other requests' stream locks.
        await tx.query('SELECT seq FROM user_sequences WHERE user_id = $1 FOR UPDATE', [options.userId]);
        const replayed = await claimChangeKeys(tx, options.userId, changes);
        const results = await applyAll(tx, byType, changes, options, replayed);
        if (options.key) await storeResponse(tx, options.userId, `batch:${options.key}`, results);
        return results;
      });
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** Claims every change id of the batch, in sorted order (two batches cannot then deadlock on them); answers those seen before. */
async function claimChangeKeys(tx: Sql, userId: string, changes: readonly BatchChange[]): Promise<Map<number, BatchResult>> {
  const withIds = changes.map((change, index) => ({ change, index })).filter(({ change }) => change.id !== undefined);
  withIds.sort((a, b) => (a.change.id! < b.change.id! ? -1 : a.change.id! > b.change.id! ? 1 : 0));
  const replayed = new Map<number, BatchResult>();
  for (const { change, index } of withIds) {
    const previous = await claimKey(tx, userId, `change:${change.id}`, hash(change));
    if (previous) replayed.set(index, { ...(previous as BatchResult), index, replayed: true });
  }
  return replayed;
}

async function applyAll(tx: Sql, byType: Map<string, SyncApplier>, changes: readonly BatchChange[], options: BatchOptions, replayed: Map<number, BatchResult>): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(changes.length);
  const context = { tx, userId: options.userId, receivedAt: options.receivedAt, ...(options.deviceId ? { deviceId: options.deviceId } : {}) };
  let index = 0;
  while (index < changes.length) {
    const type = changes[index]!.type;
    const applier = byType.get(type);
    if (!applier) throw new HttpError(400, 'unknown_change_type', `changes[${index}]: unknown type ${JSON.stringify(type).slice(0, 60)}`);
    // A run of consecutive changes of one type goes to its context at once (one decision).
    const run: { index: number; change: BatchChange }[] = [];
    for (; index < changes.length && changes[index]!.type === type; index++) {
      const change = changes[index]!;
      const previous = replayed.get(index);
      if (previous) results[index] = previous;
      else run.push({ index, change });
    }
    if (run.length === 0) continue;
    let outcomes: ChangeResult[];
    try {
      outcomes = await applier.apply(context, run.map(({ change }) => change));
    } catch (error) {
      if (error instanceof DomainError || error instanceof HttpError) {
        const first = run[0]!.index;
        const where = run.length === 1 ? `changes[${first}]` : `changes[${first}..${run[run.length - 1]!.index}]`;
        throw error instanceof DomainError ? new DomainError(error.code, `${where}: ${error.message}`, error.status) : new HttpError(error.statusCode, error.code, `${where}: ${error.message}`);
      }
      throw error;
    }
    for (const [position, { index: at, change }] of run.entries()) {
      const result: BatchResult = { index: at, type, ...(change.id !== undefined ? { id: change.id } : {}), ...outcomes[position]! };
      results[at] = result;
      if (change.id !== undefined) await storeResponse(tx, options.userId, `change:${change.id}`, result);
    }
  }
  return results;
}

/**
 * Takes the key for this transaction, or returns what was answered under it. A concurrent
 * request with the same key waits here (unique index) until the first one commits or aborts.
 */
async function claimKey(tx: Sql, userId: string, key: string, requestHash: string): Promise<unknown> {
  const claimed = await tx.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash, response) VALUES ($1, $2, $3, 'null'::jsonb) ON CONFLICT (user_id, key) DO NOTHING`,
    [userId, key, requestHash],
  );
  if (claimed.rowCount === 1) return undefined;
  const stored = await tx.query<{ request_hash: string; response: unknown }>('SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2', [userId, key]);
  const row = stored.rows[0]!;
  if (row.request_hash !== requestHash) {
    throw new HttpError(422, 'idempotency_key_reused', `The idempotency key ${key.slice(key.indexOf(':') + 1, 80)} was used for a different change`);
  }
  return row.response;
}

async function storeResponse(tx: Sql, userId: string, key: string, response: unknown): Promise<void> {
  await tx.query('UPDATE idempotency_keys SET response = $3 WHERE user_id = $1 AND key = $2', [userId, key, JSON.stringify(response)]);
}
