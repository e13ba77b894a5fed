import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, refreshInterval } from './intervals.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const bounds = { minSeconds: 15 * 60, maxSeconds: DAY };
const now = Date.UTC(2026, 10, 25, 12);
const ago = (seconds: number): string => new Date(now - seconds * 1000).toISOString();

describe('refresh intervals', () => {
  it('a quarter of the median gap between recent episodes, within the bounds', () => {
    const daily = [0.5, 1.5, 2.5, 3.5, 4.5].map((days) => ago(days * DAY));
    assert.equal(refreshInterval(daily, now, bounds), 6 * HOUR);
    const weekly = [1, 8, 15, 22].map((days) => ago(days * DAY));
    assert.equal(refreshInterval(weekly, now, bounds), DAY, 'a weekly show: 42 h, capped at a day');
    const hourly = [0, 1, 2, 3, 4].map((hours) => ago(hours * HOUR + 60));
    assert.equal(refreshInterval(hourly, now, bounds), 15 * 60, 'an hourly show: 15 min, the minimum');
  });

  it('order and undated or future episodes do not matter', () => {
    const dates = [ago(2.5 * DAY), null, ago(0.5 * DAY), new Date(now + DAY).toISOString(), ago(1.5 * DAY)];
    assert.equal(refreshInterval(dates, now, bounds), 6 * HOUR);
  });

  it('a dormant feed is checked at the pace of its silence', () => {
    const dormant = [10, 11, 12, 13].map((days) => ago(days * DAY));
    assert.equal(refreshInterval(dormant, now, { minSeconds: 60, maxSeconds: 30 * DAY }), 2.5 * DAY);
  });

  it('without a rhythm: the geometric middle of the bounds', () => {
    assert.equal(refreshInterval([], now, bounds), 8818, '√(15 min × 24 h) ≈ 2 h 27 min');
    assert.equal(refreshInterval([ago(DAY)], now, bounds), 8818);
  });

  it('backoff doubles from the first delay up to the maximum; Retry-After may ask for more', () => {
    const backoff = { firstSeconds: 300, maxSeconds: 6 * HOUR };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((failures) => backoffDelay(failures, backoff)), [300, 600, 1200, 2400, 4800, 9600, 19_200, 6 * HOUR]);
    assert.equal(backoffDelay(1, backoff, 3600), 3600);
    assert.equal(backoffDelay(1, backoff, 60), 300);
    assert.equal(backoffDelay(1, backoff, 100 * HOUR), 6 * HOUR);
  });
});
