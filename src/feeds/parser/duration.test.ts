import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  const cases: Array<[string | null, number | null]> = [
    ['3600', 3600],
    ['166', 166],
    ['0', 0],
    ['1032.123456', 1032],
    ['999.6', 1000],
    ['01:02:03', 3723],
    ['1:02:03', 3723],
    ['10:00:00', 36000],
    ['07:00', 420],
    ['1:04', 64],
    ['75:30', 4530],
    ['0:05', 5],
    ['1:02:03.500', 3724],
    [' 45:00 ', 2700],
    ['PT1H2M3S', 3723],
    ['PT45M', 2700],
    ['PT90.5S', 91],
    ['P1DT1H', 90000],
    ['1h 30m', 5400],
    ['90 min', 5400],
    ['45 minutes', 2700],
    ['1 hour 2 minutes 3 seconds', 3723],
    ['30s', 30],
    // Garbage.
    ['', null],
    ['   ', null],
    [null, null],
    ['abc', null],
    ['-5', null],
    ['1:75:00', null],
    ['1:02:75', null],
    ['12:34:56:78', null],
    ['::', null],
    ['1:', null],
    ['P', null],
    ['PT', null],
    ['about an hour', null],
    ['1,5', null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => {
      assert.equal(parseDuration(input), expected);
    });
  }
});
