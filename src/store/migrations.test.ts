import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { loadMigrations, migrate, migrationStatus, MigrationError } from './migrations.js';

describeEachDriver('migrations', (current) => {
  it('are applied once, and a database migrated by a newer version or with an edited migration is refused', async () => {
    const { db } = current();
    assert.deepEqual(await migrate(db), [], 'the test database is already migrated');
    const status = await migrationStatus(db);
    assert.equal(status.pending.length, 0);
    assert.equal(status.applied.length, loadMigrations().length);
    await db.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')`);
    await assert.rejects(migrate(db), (error: unknown) => error instanceof MigrationError && /newer version/.test(error.message));
    await db.query('DELETE FROM schema_migrations WHERE version = 9999');
    await db.query(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`);
    await assert.rejects(migrate(db), /was changed after it was applied/);
    const known = loadMigrations();
    await db.query('UPDATE schema_migrations SET checksum = $1 WHERE version = 1', [known[0]!.checksum]);
    assert.deepEqual(await migrate(db), []);
  });
});
