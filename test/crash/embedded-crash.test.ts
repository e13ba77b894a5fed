import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirLockedError } from '../../src/store/data-dir-lock.js';
import { PgliteDatabase } from '../../src/store/pglite-driver.js';

const root = path.resolve(import.meta.dirname, '../..');

const outputs = new WeakMap<ChildProcess, { text: string }>();

function capture(child: ChildProcess): ChildProcess {
  const output = { text: '' };
  outputs.set(child, output);
  child.stdout!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  return child;
}

/** Resolves with the first line of the child's whole output so far that matches `pattern`. */
async function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const output = outputs.get(child)!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of output.text.split('\n')) {
      const match = pattern.exec(line);
      if (match) return match;
    }
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`child exited before ${pattern}:\n${output.text.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${output.text.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
}

describe('embedded database after kill -9', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-crash-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let lastAck = 0;

  it('refuses to open a directory held by a live process, with a clear message', async () => {
    const writer = capture(spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-writer.ts', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }));
    children.push(writer);
    await waitForLine(writer, /^ready$/);
    await assert.rejects(PgliteDatabase.open({ dataDir }), (error: unknown) => {
      assert.ok(error instanceof DataDirLockedError);
      assert.match(error.message, new RegExp(`in use by another Balados Sync process \\(pid ${writer.pid}`));
      return true;
    });
    await waitForLine(writer, /^ack 200$/);
    writer.kill('SIGKILL');
    await exited(writer);
    // Every append the child acknowledged before it died, up to its very last line.
    lastAck = Math.max(...[...outputs.get(writer)!.text.matchAll(/^ack (\d+)$/gm)].map((match) => Number(match[1])));
    assert.ok(lastAck >= 200);
    assert.ok(fs.existsSync(path.join(dataDir, 'balados.lock')), 'the dead process left its lock behind');
  });

  it('reopens after the crash with every acknowledged event', async () => {
    const db = await PgliteDatabase.open({ dataDir });
    try {
      const result = await db.query<{ n: number }>(`SELECT (data->>'n')::int AS n FROM events WHERE type = 'CrashTest' ORDER BY global_position`);
      const seen = result.rows.map((row) => row.n);
      assert.ok(seen.length >= lastAck, `${seen.length} events, ${lastAck} acknowledged`);
      assert.deepEqual(seen.slice(0, lastAck), Array.from({ length: lastAck }, (_, i) => i + 1));
    } finally {
      await db.close();
    }
    assert.ok(!fs.existsSync(path.join(dataDir, 'balados.lock')), 'a clean close releases the directory');
  });

  it('serves again after kill -9 of the server, and stops cleanly on SIGTERM', async () => {
    const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const start = () => {
      const server = capture(spawn(process.execPath, ['bin/balados.js', 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] }));
      children.push(server);
      return server;
    };
    const first = start();
    await waitForLine(first, /"msg":"Balados Sync is ready"/);
    first.kill('SIGKILL');
    await exited(first);

    const second = start();
    await waitForLine(second, /did not shut down cleanly; the database was recovered/);
    const ready = await waitForLine(second, /"listen":"(http:\/\/[^"]+)"/);
    const base = ready[1]!;
    const readyz = await fetch(`${base}/readyz`);
    assert.equal(readyz.status, 200);
    // The background projection counts what the crashed writer acknowledged.
    const deadline = Date.now() + 30_000;
    let counted = 0;
    while (Date.now() < deadline) {
      const body = (await (await fetch(`${base}/readyz`)).json()) as { checks: { projections: { name: string; lag: number }[] } };
      if (body.checks.projections.find((p) => p.name === 'event_type_counts')?.lag === 0) {
        counted = 1;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(counted, 1, 'the async projection caught up with the recovered log');
    second.kill('SIGTERM');
    assert.equal(await exited(second), 0);
    assert.ok(!fs.existsSync(path.join(dataDir, 'balados.lock')));
  });
});
