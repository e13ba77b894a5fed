import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** Recorded client traffic (test/fixtures/clients/*.json; format in docs/protocols/gpodder-nextcloud-openpodcast.md). */
export interface Exchange {
  id: string;
  flow: string;
  provider?: string;
  request: { method: string; path: string; query?: Record<string, string>; headers?: Record<string, string>; body: unknown };
  response: { status: number; headers?: Record<string, string>; body: unknown };
}

export interface ClientFixture {
  conventions: Record<string, unknown>;
  exchanges: Exchange[];
}

export function loadClientFixture(name: string): ClientFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/clients/${name}.json`, import.meta.url), 'utf8')) as ClientFixture;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Same keys, same JSON types, recursively (arrays: each item like the fixture's first). */
export function assertShape(actual: unknown, expected: unknown, where: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: an array`);
    if (expected.length > 0) for (const [index, item] of actual.entries()) assertShape(item, expected[0], `${where}[${index}]`);
    return;
  }
  if (isObject(expected)) {
    assert.ok(isObject(actual), `${where}: an object`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${where}: keys`);
    for (const key of Object.keys(expected)) assertShape(actual[key], expected[key], `${where}.${key}`);
    return;
  }
  if (typeof expected === 'number') assert.ok(Number.isInteger(actual), `${where}: an integer, got ${JSON.stringify(actual)}`);
  else assert.equal(typeof actual, typeof expected, `${where}: type`);
}
