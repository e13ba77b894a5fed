/**
 * Creates the `shapes` schema for bench/pg-shapes/run.sh: the project's migrations, plus the
 * unindexed `seq` column the variants without `episode_state_seqs` write.
 */
import pg from 'pg';
import { PostgresDatabase, quoteIdentifier } from '../../src/store/pg-driver.js';
import { migrate } from '../../src/store/migrations.js';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!url) throw new Error('BENCH_DATABASE_URL or TEST_DATABASE_URL');
const schema = quoteIdentifier('shapes');
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await admin.query(`CREATE SCHEMA ${schema}`);
const db = new PostgresDatabase({ connectionString: url, schema: 'shapes', maxConnections: 1 });
await migrate(db);
await db.close();
await admin.query(`ALTER TABLE ${schema}.episode_states ADD COLUMN seq bigint`);
await admin.query(`CREATE SEQUENCE ${schema}.uid`);
await admin.end();
