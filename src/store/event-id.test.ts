import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newEventId } from './event-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('event ids are version 7 UUIDs carrying their millisecond', () => {
  const at = Date.UTC(2026, 10, 25, 20, 15, 0, 123);
  const id = newEventId(at);
  assert.match(id, UUID);
  assert.equal(parseInt(id.replaceAll('-', '').slice(0, 12), 16), at);
});

test('ids made in later milliseconds sort after earlier ones, and none repeats', () => {
  const ids: string[] = [];
  for (let ms = 0; ms < 2000; ms++) ids.push(newEventId(1_700_000_000_000 + ms), newEventId(1_700_000_000_000 + ms));
  for (let index = 2; index < ids.length; index += 2) assert.ok(ids[index - 1]! < ids[index]!, `${ids[index - 1]} < ${ids[index]}`);
  assert.equal(new Set(ids).size, ids.length);
  // Past the pool of random bytes (256 ids per refill): still well formed and distinct.
  assert.ok(ids.every((id) => UUID.test(id)));
});
