import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  applyChanges,
  diffKeys,
  emptyList,
  entries,
  hasOp,
  isAfterRemoval,
  keyStatus,
  pendingCount,
  withOp,
  type ListOp,
  type ListRules,
  type OrderedList,
} from './ordered-list.js';

const PLAIN: ListRules<string> = { causalKeys: false };
// Values are "episode names"; two keys holding the same name are the same thing.
const CAUSAL: ListRules<string> = { causalKeys: true, equivalence: { keysOf: (value) => [value], matches: (a, b) => a === b } };

const at = (second: number) => new Date(Date.UTC(2024, 0, 1) + Math.round(second * 1000)).toISOString();
const add = (key: string, second: number, extra: Partial<ListOp<string>> = {}): ListOp<string> => ({ kind: 'add', key, at: at(second), value: key, ...extra });
const remove = (key: string, second: number, extra: Partial<ListOp<string>> = {}): ListOp<string> => ({ kind: 'remove', key, at: at(second), ...extra });
const move = (key: string, index: number, second: number, extra: Partial<ListOp<string>> = {}): ListOp<string> => ({ kind: 'move', key, index, at: at(second), ...extra });

function build(rules: ListRules<string>, ops: readonly ListOp<string>[], { materializeEachStep = false } = {}): OrderedList<string> {
  let list = emptyList(rules);
  for (const op of ops) {
    list = withOp(list, op);
    if (materializeEachStep) entries(list);
  }
  return list;
}
const keys = (list: OrderedList<string>) => entries(list).map((entry) => entry.key);

describe('ordered list: replay in time order', () => {
  it('inserts at an index or at the end, clamps indexes, moves, removes', () => {
    assert.deepEqual(keys(build(PLAIN, [add('a', 1), add('b', 2), add('c', 3, { index: 0 }), add('d', 4, { index: 99 })])), ['c', 'a', 'b', 'd']);
    assert.deepEqual(keys(build(PLAIN, [add('a', 1), add('b', 2), add('c', 3), move('a', 99, 4), move('c', 0, 5)])), ['c', 'b', 'a']);
    assert.deepEqual(keys(build(PLAIN, [add('a', 1), add('b', 2), remove('a', 3)])), ['b']);
  });

  it('replays by time whatever the arrival order; an op on an absent key does nothing', () => {
    const inTime = [add('a', 1), add('b', 2), move('b', 0, 3), remove('a', 4), add('a', 5, { index: 0 })];
    const shuffled = [inTime[4]!, inTime[2]!, inTime[0]!, inTime[3]!, inTime[1]!];
    assert.deepEqual(keys(build(PLAIN, inTime)), ['a', 'b']);
    assert.deepEqual(keys(build(PLAIN, shuffled)), ['a', 'b']);
    // Plain keys: a move or removal before the add (in time) found nothing to act on.
    assert.deepEqual(keys(build(PLAIN, [remove('x', 1), move('x', 0, 2), add('y', 3), add('x', 4, { index: 0 })])), ['x', 'y']);
  });

  it('breaks time ties by device, then by arrival', () => {
    const fromB = move('b', 0, 2, { deviceId: 'B' });
    const fromA = move('c', 0, 2, { deviceId: 'A' });
    const base = [add('a', 1), add('b', 1.1), add('c', 1.2)];
    assert.deepEqual(keys(build(PLAIN, [...base, fromB, fromA])), ['b', 'c', 'a']);
    assert.deepEqual(keys(build(PLAIN, [...base, fromA, fromB])), ['b', 'c', 'a']);
    const sameDevice = [move('b', 0, 2), move('c', 0, 2)];
    assert.deepEqual(keys(build(PLAIN, [...base, ...sameDevice])), ['c', 'b', 'a'], 'same time, same device: arrival order');
  });

  it('causal keys: an op made by a device whose clock is behind comes right after the add', () => {
    // x added at 10 by one device; another device, 5 seconds behind, moves it "at 6".
    assert.deepEqual(keys(build(CAUSAL, [add('a', 1), add('x', 10), move('x', 0, 6)])), ['x', 'a']);
    assert.deepEqual(keys(build(CAUSAL, [add('a', 1), add('x', 10), remove('x', 6)])), ['a']);
  });

  it('causal keys: an op whose add has not arrived waits for it', () => {
    const waiting = build(CAUSAL, [add('a', 1), move('x', 0, 12)]);
    assert.equal(pendingCount(waiting), 1);
    assert.deepEqual(keyStatus(waiting, 'x'), { status: 'unknown' });
    const arrived = withOp(waiting, add('x', 10));
    assert.deepEqual(keys(arrived), ['x', 'a']);
    assert.equal(pendingCount(arrived), 0);
  });

  it('equivalent values: a second key for the same thing is an alias, and ops through it act on the first', () => {
    const list = build(CAUSAL, [add('a1', 1, { value: 'E' }), add('f', 2, { value: 'F' }), add('b1', 3, { value: 'E' }), move('b1', 99, 4)]);
    assert.deepEqual(entries(list).map((entry) => [entry.key, entry.value]), [['f', 'F'], ['a1', 'E']]);
    assert.deepEqual(keyStatus(list, 'b1'), { status: 'merged', into: 'a1', index: 1 });
    const removed = withOp(list, remove('b1', 5));
    assert.deepEqual(keys(removed), ['f']);
    assert.deepEqual(keyStatus(removed, 'a1'), { status: 'gone' });
    // A removal of a1 made before b1's add, arriving late: b1 was an add after all.
    const late = withOp(list, remove('a1', 2.5));
    assert.deepEqual(keys(late), ['f', 'b1']);
    assert.deepEqual(keyStatus(late, 'b1'), { status: 'present', index: 1 });
  });

  it('hasOp spots a retry; isAfterRemoval spots an op that can never act again', () => {
    const list = build(CAUSAL, [add('a', 1), add('b', 2), remove('a', 3, { deviceId: 'A' })]);
    assert.equal(hasOp(list, remove('a', 3, { deviceId: 'A' })), true);
    assert.equal(hasOp(list, remove('a', 3, { deviceId: 'B' })), false);
    assert.equal(isAfterRemoval(list, move('a', 0, 4)), true);
    assert.equal(isAfterRemoval(list, move('a', 0, 2.5)), false, 'earlier than the removal: it still matters');
    assert.equal(isAfterRemoval(list, move('b', 0, 4)), false);
  });

  it('versions do not see each other: appending to an older version copies', () => {
    const v1 = build(PLAIN, [add('a', 1)]);
    const left = withOp(v1, add('b', 2));
    const right = withOp(v1, add('c', 3));
    assert.deepEqual(keys(left), ['a', 'b']);
    assert.deepEqual(keys(right), ['a', 'c']);
    assert.deepEqual(keys(v1), ['a']);
  });
});

// Ops over a few keys and values, with distinct times (ties are settled by arrival).
const opsArbitrary = (valueCount: number) =>
  fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 40 }).chain((times) =>
    fc.tuple(
      ...times.map((second) =>
        fc.oneof(
          fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), index: fc.option(fc.nat(6), { nil: undefined }), value: fc.integer({ min: 1, max: valueCount }) }).map(({ key, index, value }) => add(key, second, { value: `v${value}`, ...(index === undefined ? {} : { index }) })),
          fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f').map((key) => remove(key, second)),
          fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), index: fc.nat(6) }).map(({ key, index }) => move(key, index, second)),
        ),
      ),
    ),
  );

describe('ordered list: properties', () => {
  for (const [name, rules] of [['plain', PLAIN], ['causal with aliases', CAUSAL]] as const) {
    it(`${name}: any arrival order gives the same list, incrementally or replayed`, () => {
      fc.assert(
        fc.property(
          opsArbitrary(3).chain((ops) => fc.tuple(fc.constant(ops), fc.shuffledSubarray(ops, { minLength: ops.length, maxLength: ops.length }))),
          ([ops, arrival]) => {
            // Causal lists hold one add per key (the deciders refuse a second one).
            const usable = rules.causalKeys ? ops.filter((op, i) => op.kind !== 'add' || ops.findIndex((o) => o.kind === 'add' && o.key === op.key) === i) : ops;
            const arrived = arrival.filter((op) => usable.includes(op));
            const expected = entries(build(rules, usable));
            assert.deepEqual(entries(build(rules, arrived)), expected);
            assert.deepEqual(entries(build(rules, arrived, { materializeEachStep: true })), expected);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('diffKeys gives changes that turn one list into the other, moving no more than needed', () => {
    const list = fc.uniqueArray(fc.constantFrom(...'abcdefghijkl'), { maxLength: 12 });
    fc.assert(
      fc.property(list, list, (before, after) => {
        const changes = diffKeys(before, after);
        assert.deepEqual(applyChanges(before, changes), after);
        const common = after.filter((key) => before.includes(key));
        const moves = changes.filter((change) => change.kind === 'moved').length;
        assert.ok(moves <= common.length - longestKept(before, common), `${moves} moves for ${JSON.stringify([before, after])}`);
        assert.equal(changes.filter((change) => change.kind === 'inserted').length, after.length - common.length);
        assert.equal(changes.filter((change) => change.kind === 'removed').length, before.length - common.length);
      }),
      { numRuns: 500 },
    );
    assert.deepEqual(diffKeys(['a', 'b', 'c', 'd'], ['b', 'c', 'd', 'a']), [{ kind: 'moved', key: 'a', fromIndex: 0, toIndex: 3 }]);
    assert.deepEqual(diffKeys(['a', 'b'], ['a', 'b']), []);
  });
});

/** Length of the longest subsequence of `common` in `before` order (quadratic, independent of the code under test). */
function longestKept(before: readonly string[], common: readonly string[]): number {
  const positions = common.map((key) => before.indexOf(key));
  const best = positions.map(() => 1);
  for (let i = 0; i < positions.length; i++) for (let j = 0; j < i; j++) if (positions[j]! < positions[i]!) best[i] = Math.max(best[i]!, best[j]! + 1);
  return Math.max(0, ...best);
}
