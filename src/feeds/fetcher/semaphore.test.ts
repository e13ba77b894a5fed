import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcurrencyLimits } from './host-limits.js';
import { Semaphore } from './semaphore.js';

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('grants up to the limit, then queues in FIFO order', async () => {
    const semaphore = new Semaphore(2);
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const order: number[] = [];
    const third = semaphore.acquire().then((release) => (order.push(3), release));
    const fourth = semaphore.acquire().then((release) => (order.push(4), release));
    await settle();
    assert.deepEqual(order, []);
    assert.equal(semaphore.active, 2);
    assert.equal(semaphore.waiting, 2);
    first();
    await settle();
    assert.deepEqual(order, [3]);
    second();
    await settle();
    assert.deepEqual(order, [3, 4]);
    assert.equal(semaphore.active, 2);
    (await third)();
    (await fourth)();
    assert.ok(semaphore.idle);
  });

  it('ignores a second release of the same permit', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    release();
    release();
    assert.equal(semaphore.active, 0);
    const again = await semaphore.acquire();
    const waiting = semaphore.acquire();
    release(); // stale: must not hand out the permit held by `again`
    await settle();
    assert.equal(semaphore.waiting, 1);
    again();
    (await waiting)();
    assert.ok(semaphore.idle);
  });

  it('removes an aborted waiter from the queue and rejects with the reason', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const aborted = semaphore.acquire(controller.signal);
    const next = semaphore.acquire();
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
    assert.equal(semaphore.waiting, 1);
    release();
    (await next)();
    assert.ok(semaphore.idle);
    await assert.rejects(semaphore.acquire(AbortSignal.abort(new Error('already'))), /already/);
  });

  it('refuses a limit below one', () => {
    assert.throws(() => new Semaphore(0), RangeError);
    assert.throws(() => new Semaphore(1.5), RangeError);
  });
});

describe('ConcurrencyLimits', () => {
  it('limits per host and globally, and forgets idle hosts', async () => {
    const limits = new ConcurrencyLimits({ perHost: 2, global: 3 });
    const a1 = await limits.acquire('a.example');
    const a2 = await limits.acquire('A.example');
    let a3Granted = false;
    const a3 = limits.acquire('a.example').then((release) => ((a3Granted = true), release));
    const b1 = await limits.acquire('b.example');
    let b2Granted = false;
    const b2 = limits.acquire('b.example').then((release) => ((b2Granted = true), release));
    await settle();
    assert.equal(a3Granted, false, 'host limit');
    assert.equal(b2Granted, false, 'global limit');
    // The waiter for a.example holds no global permit: it is b.example's turn when one frees up.
    assert.deepEqual(limits.stats, { active: 3, waiting: 2, hosts: 2 });
    a1();
    await settle();
    assert.equal(a3Granted || b2Granted, true);
    a2();
    b1();
    await settle();
    assert.ok(a3Granted && b2Granted);
    (await a3)();
    (await b2)();
    assert.deepEqual(limits.stats, { active: 0, waiting: 0, hosts: 0 });
  });

  it('gives the host permit back when the wait for a global permit is aborted', async () => {
    const limits = new ConcurrencyLimits({ perHost: 1, global: 1 });
    const held = await limits.acquire('a.example');
    const controller = new AbortController();
    const waiting = limits.acquire('b.example', controller.signal);
    await settle();
    controller.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    held();
    const b = await limits.acquire('b.example');
    b();
    assert.deepEqual(limits.stats, { active: 0, waiting: 0, hosts: 0 });
  });
});
