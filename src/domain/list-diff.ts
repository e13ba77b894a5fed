/**
 * How an ordered list of distinct keys changed, as a short sequence of elementary changes a
 * projection can apply to its rows (shift the positions in between, insert, delete): the events
 * of the ordered lists carry them (src/domain/ordered-list.ts).
 */
export type ListChange =
  | { kind: 'inserted'; key: string; index: number }
  | { kind: 'removed'; key: string; fromIndex: number }
  | { kind: 'moved'; key: string; fromIndex: number; toIndex: number };

/**
 * The changes that turn `before` into `after` (lists of distinct keys): removals, then the
 * fewest moves (every key outside a longest subsequence kept in order) and the insertions, each
 * placed right after its predecessor in `after`. Applied in sequence by `applyChanges`. Among
 * equally short answers, the keys in `movedFirst` are the ones moved (the key a change was about:
 * "i3 moved to 0" rather than "i1 and i2 moved after i3").
 */
export function diffKeys(before: readonly string[], after: readonly string[], movedFirst: ReadonlySet<string> = new Set()): ListChange[] {
  // Keys are distinct, so what lies before the first difference and after the last one is
  // untouched: the work is on the window in between (one move: the span it crossed).
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const changes = diffWindow(before.slice(start, before.length - end), after.slice(start, after.length - end), movedFirst);
  if (start === 0) return changes;
  return changes.map((change) =>
    change.kind === 'inserted'
      ? { ...change, index: change.index + start }
      : change.kind === 'removed'
        ? { ...change, fromIndex: change.fromIndex + start }
        : { ...change, fromIndex: change.fromIndex + start, toIndex: change.toIndex + start },
  );
}

function diffWindow(before: readonly string[], after: readonly string[], movedFirst: ReadonlySet<string>): ListChange[] {
  const changes: ListChange[] = [];
  const wanted = new Set(after);
  const work = before.slice();
  for (let i = work.length - 1; i >= 0; i--) {
    if (wanted.has(work[i]!)) continue;
    changes.push({ kind: 'removed', key: work[i]!, fromIndex: i });
    work.splice(i, 1);
  }
  const position = new Map(work.map((key, i) => [key, i]));
  const common = after.filter((key) => position.has(key));
  let kept = longestIncreasing(common, position);
  const others = common.filter((key) => !movedFirst.has(key));
  if (others.length < common.length) {
    const keptOthers = longestIncreasing(others, position);
    if (keptOthers.size === kept.size) kept = keptOthers;
  }
  for (let j = 0; j < after.length; j++) {
    const key = after[j]!;
    if (kept.has(key)) continue;
    const toIndex = j === 0 ? 0 : work.indexOf(after[j - 1]!) + 1;
    if (position.has(key)) {
      const fromIndex = work.indexOf(key);
      work.splice(fromIndex, 1);
      const adjusted = fromIndex < toIndex ? toIndex - 1 : toIndex;
      work.splice(adjusted, 0, key);
      if (fromIndex !== adjusted) changes.push({ kind: 'moved', key, fromIndex, toIndex: adjusted });
    } else {
      work.splice(toIndex, 0, key);
      changes.push({ kind: 'inserted', key, index: toIndex });
    }
  }
  return changes;
}

/** The keys of a longest subsequence of `keys` whose positions increase (patience sorting). */
function longestIncreasing(keys: readonly string[], position: ReadonlyMap<string, number>): Set<string> {
  const tails: number[] = [];
  const previous: number[] = new Array<number>(keys.length).fill(-1);
  for (let i = 0; i < keys.length; i++) {
    const value = position.get(keys[i]!)!;
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (position.get(keys[tails[middle]!]!)! < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) previous[i] = tails[low - 1]!;
    tails[low] = i;
  }
  const kept = new Set<string>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!) kept.add(keys[i]!);
  return kept;
}

/** Applies changes in sequence (what a projection does to its rows; the tests' reference). */
export function applyChanges(keys: readonly string[], changes: readonly ListChange[]): string[] {
  const result = keys.slice();
  for (const change of changes) {
    if (change.kind === 'inserted') result.splice(change.index, 0, change.key);
    else {
      const at = result.indexOf(change.key);
      if (at !== change.fromIndex) throw new Error(`change on ${change.key} expected at ${change.fromIndex}, found at ${at}`);
      result.splice(at, 1);
      if (change.kind === 'moved') result.splice(change.toIndex, 0, change.key);
    }
  }
  return result;
}
