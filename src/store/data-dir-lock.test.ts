import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireDataDirLock, DataDirLockedError } from './data-dir-lock.js';

describe('data directory lock', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-lock-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('takes over the lock of a dead process, once, clearing what it left', () => {
    const dir = fresh();
    fs.writeFileSync(path.join(dir, 'balados.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: os.hostname(), processStart: '1', acquiredAt: 'then' }));
    let cleared = 0;
    const lock = acquireDataDirLock(dir, () => cleared++);
    assert.equal(lock.recoveredStaleLock, true);
    assert.equal(cleared, 1);
    assert.throws(() => acquireDataDirLock(dir, () => cleared++), DataDirLockedError, 'now held by this process');
    lock.release();
    assert.equal(fs.existsSync(path.join(dir, 'balados.lock')), false);
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing left aside');
  });

  it('treats a brand-new unreadable lock as being written, and an old one as abandoned', () => {
    const dir = fresh();
    const file = path.join(dir, 'balados.lock');
    fs.writeFileSync(file, '');
    assert.throws(() => acquireDataDirLock(dir, () => {}), DataDirLockedError);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const lock = acquireDataDirLock(dir, () => {});
    assert.equal(lock.recoveredStaleLock, true);
    lock.release();
  });
});
