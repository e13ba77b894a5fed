import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteCoalescer } from './write-coalescer.js';

describe('write coalescer', () => {
  it('batches what arrives while a batch runs, and what arrives in the same turn, even when batches never wait for I/O', async () => {
    const batches: number[][] = [];
    // Resolves through microtasks only, as a PGlite statement may: no turn of the event loop.
    const coalescer = new WriteCoalescer<number, number>(async (items) => {
      batches.push([...items]);
      await Promise.resolve();
      return items.map((item) => item * 2);
    }, { maxBatch: 3, maxConcurrent: 1 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => coalescer.submit(n)));
    assert.deepEqual(results, [2, 4, 6, 8, 10]);
    assert.deepEqual(batches, [[1, 2, 3], [4, 5]]);
  });

  it('fails only the items whose result is an error, and all of a batch that throws', async () => {
    const coalescer = new WriteCoalescer<number, number>(async (items) => {
      if (items.includes(99)) throw new Error('batch broke');
      return items.map((item) => (item < 0 ? new Error(`bad ${item}`) : item));
    }, { maxBatch: 10, maxConcurrent: 2 });
    const outcomes = await Promise.allSettled([coalescer.submit(1), coalescer.submit(-1), coalescer.submit(2)]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    await assert.rejects(coalescer.submit(99), /batch broke/);
  });

  it('counts items by their weight: a batch holds up to maxBatch of it, and always at least one item', async () => {
    const batches: number[][] = [];
    const coalescer = new WriteCoalescer<number, number>(async (items) => {
      batches.push([...items]);
      return [...items];
    }, { maxBatch: 10, maxConcurrent: 1, weight: (item) => item });
    await Promise.all([4, 5, 2, 12, 3].map((n) => coalescer.submit(n)));
    assert.deepEqual(batches, [[4, 5], [2], [12], [3]]);
  });
});
