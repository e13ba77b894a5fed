import type { TObject, TSchema } from '@sinclair/typebox';
import type { Sql } from '../store/sql.js';

/**
 * How a bounded context takes part in `/api/v1/sync`.
 *
 * Reading: its per-user read model rows carry `seq`, the account event number of the last
 * event that changed them; `changedSince` returns the rows with `after < seq <= upTo`, in seq
 * order, as API objects. A row changed ten times is returned once, as it is now.
 *
 * Writing: a batch's changes of this source's `type` are handed to `apply` in runs of
 * consecutive changes, inside the batch's transaction; it answers one result per change.
 */
export interface SyncItem {
  seq: number;
  item: unknown;
}

export interface SyncSource {
  /** The key of this source's array in a sync answer (`subscriptions`, `episodes`...). */
  readonly name: string;
  readonly itemSchema: TSchema;
  changedSince(sql: Sql, userId: string, after: number, upTo: number, limit: number): Promise<SyncItem[]>;
}

export interface ApplyContext {
  tx: Sql;
  userId: string;
  deviceId?: string;
  receivedAt: number;
}

export interface SyncApplier<Change = unknown> {
  /** The `type` of the changes this applier takes in a batch (`subscription`, `episode`...). */
  readonly type: string;
  /** The change's fields besides `type` and `id`. */
  readonly changeSchema: TObject;
  apply(context: ApplyContext, changes: readonly Change[]): Promise<ChangeResult[]>;
}

export interface ChangeResult {
  /** False when a later change (from another device) already decided: the answer has the winning state. */
  applied: boolean;
  /** The state after the change, as the matching sync source would return it. */
  state?: unknown;
}
