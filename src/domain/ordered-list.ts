import type { IsoTime } from './client-time.js';

export { applyChanges, diffKeys, type ListChange } from './list-diff.js';

/**
 * An ordered list edited from several devices (playlist items, the feeds of a collection) whose
 * content is a function of the SET of changes, not of the order in which they reached the
 * server: a device that was offline for a week sends changes made before ones already recorded.
 *
 * The list keeps every change (an "op") and materializes the order by replaying the ops sorted
 * by their time, whatever their arrival order. An op on a key that is absent at its time does
 * nothing (removing what is not there, moving what was removed); an insertion or move index
 * beyond the end means the end. Two ops with the same time are ordered by device, then by
 * arrival (the only place where arrival order may matter).
 *
 * With `causalKeys` (keys are single-use ids, like playlist item ids), an op on a key can only
 * have been made by a device that saw the key's add, so it is ordered after that add even when
 * its own clock says earlier (a device whose clock is behind), and an op whose key has not been
 * added yet waits, with no effect, until the add arrives.
 */
export interface ListOp<V> {
  readonly kind: 'add' | 'remove' | 'move';
  readonly key: string;
  readonly at: IsoTime;
  readonly deviceId?: string;
  /** add: where to insert (absent: at the end); move: where to (required). Clamped at replay. */
  readonly index?: number;
  /** add only. */
  readonly value?: V;
}

export interface ListRules<V> {
  readonly causalKeys: boolean;
  /**
   * Two keys holding the same thing (one episode added twice under two item ids): an add whose
   * value matches a present entry does not insert; its key becomes an alias of that entry, so
   * the later moves and removals made through it apply to the entry. `keysOf` indexes values
   * (candidates share a key), `matches` decides.
   */
  readonly equivalence?: { keysOf(value: V): readonly string[]; matches(present: V, added: V): boolean };
}

export interface ListEntry<V> {
  readonly key: string;
  readonly value: V;
  readonly addedAt: IsoTime;
}

/**
 * Immutable for its holder: `ops` is shared, append-only storage of which this version sees the
 * first `count` entries (appending to the newest version pushes; appending to an older one
 * copies), so folding a long stream does not copy the log at every event.
 */
export interface OrderedList<V> {
  readonly rules: ListRules<V>;
  readonly ops: ListOp<V>[];
  readonly count: number;
}

export type KeyStatus =
  | { status: 'present'; index: number }
  | { status: 'merged'; into: string; index: number }
  | { status: 'gone' }
  | { status: 'unknown' };

/** [time it is ordered at, 1 if pushed after its add, own time, device, arrival]. */
type SortKey = readonly [string, number, string, string, number];

// Materializations, computed on demand and kept with the version they belong to.
const memo = new WeakMap<OrderedList<unknown>, Replica<unknown>>();
// A version made by one op from a materialized one: the op is usually the latest, and then
// materializing is one step on a copy instead of a replay of the whole history.
const parents = new WeakMap<OrderedList<unknown>, { base: Replica<unknown>; op: ListOp<unknown> }>();

export function emptyList<V>(rules: ListRules<V>): OrderedList<V> {
  return { rules, ops: [], count: 0 };
}

export function withOp<V>(list: OrderedList<V>, op: ListOp<V>): OrderedList<V> {
  const ops = list.ops.length === list.count ? list.ops : list.ops.slice(0, list.count);
  ops.push(op);
  const next: OrderedList<V> = { rules: list.rules, ops, count: list.count + 1 };
  const base = memo.get(list);
  if (base) parents.set(next, { base, op });
  return next;
}

export function entries<V>(list: OrderedList<V>): readonly ListEntry<V>[] {
  return materialize(list).entries();
}

/** The same op (kind, key, time, device, index) was already recorded: a retry. */
export function hasOp<V>(list: OrderedList<V>, op: ListOp<V>): boolean {
  for (let i = list.count - 1; i >= 0; i--) {
    const other = list.ops[i]!;
    if (other.key === op.key && other.kind === op.kind && other.at === op.at && other.deviceId === op.deviceId && other.index === op.index) return true;
  }
  return false;
}

/** The add recorded for a key (its earliest), if any. */
export function addOf<V>(list: OrderedList<V>, key: string): ListOp<V> | undefined {
  return materialize(list).adds.get(key);
}

/** Ops recorded on keys never added (causal lists only): they wait for their add. */
export function pendingCount<V>(list: OrderedList<V>): number {
  return materialize(list).pending;
}

/**
 * With causal keys: whether `op` would come after a removal of its own key, which leaves the key
 * (or the entry it is an alias of) absent for good, whatever arrives later.
 */
export function isAfterRemoval<V>(list: OrderedList<V>, op: ListOp<V>): boolean {
  if (!list.rules.causalKeys) return false;
  const replica = materialize(list);
  const removal = replica.removals.get(op.key);
  const own = sortKey(op, list.count, replica.adds, true);
  return removal !== undefined && own !== undefined && compareKeys(removal, own) < 0;
}

export function keyStatus<V>(list: OrderedList<V>, key: string): KeyStatus {
  const replica = materialize(list);
  const alias = replica.aliases.get(key);
  const index = replica.indexOf(alias ?? key);
  if (index >= 0) return alias ? { status: 'merged', into: alias, index } : { status: 'present', index };
  return replica.adds.has(key) ? { status: 'gone' } : { status: 'unknown' };
}

function sortKey(op: ListOp<unknown>, seq: number, adds: ReadonlyMap<string, ListOp<unknown>>, causal: boolean): SortKey | undefined {
  if (!causal || op.kind === 'add') return [op.at, 0, op.at, op.deviceId ?? '', seq];
  const added = adds.get(op.key)?.at;
  if (added === undefined) return undefined;
  return added > op.at ? [added, 1, op.at, op.deviceId ?? '', seq] : [op.at, 0, op.at, op.deviceId ?? '', seq];
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function materialize<V>(list: OrderedList<V>): Replica<V> {
  const cached = memo.get(list) as Replica<V> | undefined;
  if (cached) return cached;
  const link = parents.get(list) as { base: Replica<V>; op: ListOp<V> } | undefined;
  const replica = (link && link.base.extended(link.op, list.count - 1)) ?? replay(list);
  parents.delete(list);
  memo.set(list, replica as Replica<unknown>);
  return replica;
}

function replay<V>(list: OrderedList<V>): Replica<V> {
  const causal = list.rules.causalKeys;
  const replica = new Replica(list.rules);
  for (let seq = 0; seq < list.count; seq++) {
    const op = list.ops[seq]!;
    const known = replica.adds.get(op.key);
    if (op.kind === 'add' && (!known || op.at < known.at)) replica.adds.set(op.key, op);
  }
  const sorted: { op: ListOp<V>; key: SortKey }[] = [];
  for (let seq = 0; seq < list.count; seq++) {
    const op = list.ops[seq]!;
    const key = sortKey(op, seq, replica.adds, causal);
    if (key) sorted.push({ op, key });
    else replica.wait(op.key);
  }
  // Usually sorted already (changes mostly arrive in order): the sort is then linear.
  sorted.sort((a, b) => compareKeys(a.key, b.key));
  for (const { op, key } of sorted) replica.step(op, key);
  return replica;
}

/**
 * The list as of some ops, replayed in order. Entries are numbered (indexOf on numbers is what
 * makes replaying thousands of moves fast); maps are copied only when a step changes them.
 */
class Replica<V> {
  ids = new Map<string, number>();
  order: number[] = [];
  present: (ListEntry<V> | undefined)[] = [];
  aliases = new Map<string, string>();
  adds = new Map<string, ListOp<V>>();
  /** Earliest removal op (in replay order) of each key, by its own key. */
  removals = new Map<string, SortKey>();
  /** Causal lists: keys with ops waiting for their add, and how many. */
  waiting = new Map<string, number>();
  pending = 0;
  index = new Map<string, readonly string[]>();
  last: SortKey | undefined;
  private shared = new Set<string>();
  private cachedEntries: ListEntry<V>[] | undefined;

  constructor(private readonly rules: ListRules<V>) {}

  entries(): ListEntry<V>[] {
    this.cachedEntries ??= this.order.map((id) => this.present[id]!);
    return this.cachedEntries;
  }

  indexOf(key: string): number {
    const id = this.ids.get(key);
    return id === undefined || !this.present[id] ? -1 : this.order.indexOf(id);
  }

  wait(key: string): void {
    this.own('waiting').set(key, (this.waiting.get(key) ?? 0) + 1);
    this.pending++;
  }

  /** This replica plus `op` when `op` comes after everything replayed; undefined otherwise. */
  extended(op: ListOp<V>, seq: number): Replica<V> | undefined {
    const causal = this.rules.causalKeys;
    // A causal key's add reorders the ops waiting for it: replay.
    if (op.kind === 'add' && causal && (this.adds.has(op.key) || this.waiting.has(op.key))) return undefined;
    const key = sortKey(op, seq, this.adds, causal);
    if (key && this.last && compareKeys(key, this.last) <= 0) return undefined;
    const next = new Replica(this.rules);
    Object.assign(next, { ids: this.ids, aliases: this.aliases, adds: this.adds, removals: this.removals, waiting: this.waiting, index: this.index });
    next.order = this.order.slice();
    next.present = this.present.slice();
    next.pending = this.pending;
    next.last = this.last;
    next.shared = new Set(['ids', 'aliases', 'adds', 'removals', 'waiting', 'index']);
    if (!key) next.wait(op.key);
    else {
      if (op.kind === 'add' && !this.adds.has(op.key)) next.own('adds').set(op.key, op);
      next.step(op, key);
    }
    return next;
  }

  step(op: ListOp<V>, key: SortKey): void {
    this.last = key;
    this.cachedEntries = undefined;
    if (op.kind === 'remove' && !this.removals.has(op.key)) this.own('removals').set(op.key, key);
    if (op.kind === 'add') {
      const id = this.idOf(op.key);
      if (this.present[id]) return;
      const value = op.value as V;
      const same = this.equivalent(value);
      if (same !== undefined) {
        this.own('aliases').set(op.key, same);
        return;
      }
      this.order.splice(clamp(op.index ?? this.order.length, this.order.length), 0, id);
      this.present[id] = { key: op.key, value, addedAt: op.at };
      const index = this.own('index');
      for (const k of this.rules.equivalence?.keysOf(value) ?? []) index.set(k, [...(index.get(k) ?? []), op.key]);
      return;
    }
    const target = this.ids.get(this.aliases.get(op.key) ?? op.key);
    if (target === undefined || !this.present[target]) return;
    const from = this.order.indexOf(target);
    this.order.splice(from, 1);
    if (op.kind === 'move') {
      this.order.splice(clamp(op.index ?? this.order.length, this.order.length), 0, target);
      return;
    }
    const entry = this.present[target]!;
    this.present[target] = undefined;
    const index = this.own('index');
    for (const k of this.rules.equivalence?.keysOf(entry.value) ?? []) {
      const bucket = index.get(k)!.filter((key) => key !== entry.key);
      if (bucket.length > 0) index.set(k, bucket);
      else index.delete(k);
    }
  }

  private idOf(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.own('ids').set(key, id);
    }
    return id;
  }

  /** A present entry holding the same thing as `value`: the first in the list when several do. */
  private equivalent(value: V): string | undefined {
    const equivalence = this.rules.equivalence;
    if (!equivalence) return undefined;
    let best: string | undefined;
    let bestIndex = Infinity;
    for (const k of equivalence.keysOf(value)) {
      for (const candidate of this.index.get(k) ?? []) {
        const entry = this.present[this.ids.get(candidate)!]!;
        if (!equivalence.matches(entry.value, value)) continue;
        const position = this.indexOf(candidate);
        if (position < bestIndex) [best, bestIndex] = [candidate, position];
      }
    }
    return best;
  }

  /** Copy-on-write for the maps a fork shares with its base. */
  private own<F extends 'ids' | 'aliases' | 'adds' | 'removals' | 'waiting' | 'index'>(field: F): this[F] {
    if (this.shared.delete(field)) (this as Record<F, unknown>)[field] = new Map(this[field] as Map<unknown, unknown>);
    return this[field];
  }
}

function clamp(index: number, length: number): number {
  return Math.max(0, Math.min(index, length));
}
