#!/usr/bin/env node
// `npm test`: type checking, then every *.test.ts under src/ and test/ with Node's test runner.
// Extra arguments are passed through (e.g. a file list, or --test-name-pattern=...).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createPgliteTemplate } from './pglite-template.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const explicitFiles = args.filter((arg) => !arg.startsWith('-'));
const flags = args.filter((arg) => arg.startsWith('-'));

function run(command, commandArgs, env = process.env) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join(dir, file))
    .sort();
}

if (!process.env.SKIP_TYPECHECK) {
  console.log('> tsc --noEmit');
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]);
}

const template = await createPgliteTemplate(path.join(root, '.cache'));
// Each PostgreSQL suite leaves a line here: with REQUIRE_POSTGRES_TESTS=1, none means failure.
const markers = path.join(root, '.cache', `postgres-suites-${process.pid}.txt`);
fs.rmSync(markers, { force: true });
const files = explicitFiles.length > 0 ? explicitFiles : [...testFiles(path.join(root, 'src')), ...testFiles(path.join(root, 'test'))];
console.log(`> node --test (${files.length} files)${process.env.TEST_DATABASE_URL ? ' with PostgreSQL' : ' (PGlite only: set TEST_DATABASE_URL to add PostgreSQL)'}`);
run(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=120000', ...flags, ...files],
  { ...process.env, BALADOS_PGLITE_TEMPLATE: template, BALADOS_TEST_MARKERS: markers, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', FEED_SCHEDULER: process.env.FEED_SCHEDULER ?? 'off' },
);

if (process.env.REQUIRE_POSTGRES_TESTS === '1') {
  const suites = fs.existsSync(markers) ? fs.readFileSync(markers, 'utf8').split('\n').filter(Boolean).length : 0;
  fs.rmSync(markers, { force: true });
  if (suites === 0 && explicitFiles.length === 0) {
    console.error('REQUIRE_POSTGRES_TESTS=1 but no PostgreSQL suite ran');
    process.exit(1);
  }
  console.log(`PostgreSQL suites run: ${suites}`);
}
