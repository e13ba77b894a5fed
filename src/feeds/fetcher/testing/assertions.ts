import assert from 'node:assert/strict';
import { FeedFetchError, type FeedFetchErrorCode } from '../errors.js';

/** Awaits a failure and checks it is a FeedFetchError with that code (not merely some exception). */
export async function rejectsWith(promise: Promise<unknown>, code: FeedFetchErrorCode): Promise<FeedFetchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FeedFetchError, `expected a FeedFetchError, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected a FeedFetchError ${code}, but it succeeded`);
}
