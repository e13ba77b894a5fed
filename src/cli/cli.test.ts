import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDrivers, type TestDatabase } from '../../test/support/databases.js';
import { EventStore } from '../store/event-store.js';
import { loadMigrations, migrate } from '../store/migrations.js';
import { PgliteDatabase } from '../store/pglite-driver.js';
import type { Database } from '../store/sql.js';
import { runCli } from './main.js';
import { cli } from '../../test/support/cli.js';
import { formatDuration, formatProgress } from './progress.js';


describe('CLI', () => {
  it('prints help, the version, and refuses unknown commands and bad configuration', async () => {
    const help = await cli(['help'], {});
    assert.equal(help.code, 0);
    assert.match(help.out, /projections rebuild/);
    assert.match((await cli(['--version'], {})).out, /^\d+\.\d+\.\d+/);
    const unknown = await cli(['frobnicate'], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown command: frobnicate/);
    const badConfig = await cli(['migrate'], { PORT: 'x' });
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.err, /PORT must be an integer/);
    const badFlag = await cli(['projections', 'status', '--nope'], {});
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /Usage: balados projections status/);
  });

  it('formats progress with rate and ETA', () => {
    assert.equal(
      formatProgress('p', { done: 250_000, total: 1_000_000, elapsedMs: 5000 }, 8),
      'p [##......]  25% 250,000/1,000,000 events  50,000 events/s  ETA 15s',
    );
    assert.equal(formatDuration(125), '2m05s');
    assert.equal(formatDuration(7300), '2h01m');
  });
});

for (const driver of testDrivers) {
  describe(`CLI on a database [${driver}]`, () => {
    let env: Record<string, string>;
    let open: () => Promise<Database>;
    let test: TestDatabase | undefined;
    let dataDir: string | undefined;
    before(async () => {
      if (driver === 'pglite') {
        dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-cli-'));
        env = { DATA_DIR: dataDir };
        open = () => PgliteDatabase.open({ dataDir: dataDir! });
      } else {
        test = await createTestDatabase('postgres', { migrated: false });
        const url = new URL(process.env.TEST_DATABASE_URL!);
        url.searchParams.set('options', `-c search_path=${test.schema}`);
        env = { DATABASE_URL: url.toString() };
        open = async () => test!.connect();
      }
    });
    after(async () => {
      await test?.dispose();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('migrates, reports projections, and rebuilds them to the same rows', async () => {
      const migrated = await cli(['migrate'], env);
      assert.equal(migrated.code, 0, migrated.err);
      const all = loadMigrations().map((migration) => migration.version).join(', ');
      assert.match(migrated.out, new RegExp(`Applied migrations: ${all}$`, 'm'));
      assert.match((await cli(['migrate'], env)).out, /Already up to date/);
      assert.equal((await cli(['migrate', '--status'], env)).code, 0);

      let db = await open();
      await migrate(db);
      const store = new EventStore(db);
      for (let i = 0; i < 30; i++) await store.appendToStream(`cli-${i % 3}`, [{ type: i % 2 ? 'Odd' : 'Even', data: { i } }]);
      await db.close();

      const status = await cli(['projections', 'status'], env);
      assert.equal(status.code, 0, status.err);
      assert.match(status.out, /event_type_counts\s+async\s+needs_rebuild/);
      const rebuilt = await cli(['projections', 'rebuild', 'event_type_counts', '--batch-size', '7'], env);
      assert.equal(rebuilt.code, 0, rebuilt.err);
      assert.match(rebuilt.out, /Rebuilt event_type_counts/);
      const json = JSON.parse((await cli(['projections', 'status', '--json'], env)).out) as { name: string; state: string; eventsApplied: number }[];
      const counts = json.find((status) => status.name === 'event_type_counts')!;
      assert.deepEqual({ state: counts.state, eventsApplied: counts.eventsApplied }, { state: 'up_to_date', eventsApplied: 30 });
      assert.ok(json.every((status) => status.state === 'up_to_date'), JSON.stringify(json));
      db = await open();
      const rows = await db.query('SELECT type, events FROM event_type_counts ORDER BY type');
      await db.close();
      assert.deepEqual(rows.rows, [{ type: 'Even', events: 15 }, { type: 'Odd', events: 15 }]);

      const stdin = Readable.from(['s3cret-password\nignored\n']);
      const added = await runCli(['user', 'add', 'Root', '--admin'], { out: () => {}, err: (line) => assert.fail(line), env, stdin });
      assert.equal(added, 0);
      assert.equal((await cli(['user', 'add', 'bob', '--password', 'bob password'], env)).code, 0);
      const taken = await cli(['user', 'add', 'root', '--password', 'whatever123'], env);
      assert.equal(taken.code, 1);
      assert.match(taken.err, /username is taken/);
      assert.equal((await cli(['user', 'disable', 'bob'], env)).code, 0);
      const listed = await cli(['user', 'list'], env);
      assert.match(listed.out, /^Root\t\S+\tadmin$/m);
      assert.match(listed.out, /^bob\t\S+\tdisabled$/m);
      assert.equal((await cli(['user', 'disable', 'nobody'], env)).code, 2);
      assert.equal((await cli(['user', 'password', 'bob', '--password', 'new bob password'], env)).code, 0);
      assert.equal((await cli(['user', 'enable', 'bob'], env)).code, 0);
      assert.equal((await cli(['user', 'add', 'carol', '--password', 'carol password'], env)).code, 0);
      assert.equal((await cli(['user', 'delete', 'carol'], env)).code, 2, 'needs --yes');
      const erased = await cli(['user', 'delete', 'carol', '--yes'], env);
      assert.equal(erased.code, 0, erased.err);
      assert.match(erased.out, /Erased carol: 1 events in 1 streams/);
      db = await open();
      const accounts = await db.query<{ username: string; is_admin: boolean; disabled: boolean }>('SELECT username, is_admin, disabled FROM accounts ORDER BY username_key');
      await db.close();
      assert.deepEqual(accounts.rows, [
        { username: 'bob', is_admin: false, disabled: false },
        { username: 'Root', is_admin: true, disabled: false },
      ]);

      const unknown = await cli(['projections', 'rebuild', 'nope'], env);
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /Unknown projection nope; known: .*event_type_counts/);
    });
  });
}
