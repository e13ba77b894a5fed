import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EpisodeCollector } from './episode-collector.js';
import type { Episode } from './model.js';

function episode(guid: string, publishedAt: string | null): Episode {
  return { guid, publishedAt } as Episode;
}

describe('EpisodeCollector', () => {
  it('keeps the first of duplicate GUIDs and does not report the others', () => {
    const seen: string[] = [];
    const collector = new EpisodeCollector<Episode>(Infinity, (item) => seen.push(`${item.guid}@${item.publishedAt}`));
    collector.add(episode('a', '2020-01-01T00:00:00.000Z'));
    collector.add(episode('b', null));
    collector.add(episode('a', '2021-01-01T00:00:00.000Z'));
    collector.add(episode('a', null));
    assert.deepEqual(seen, ['a@2020-01-01T00:00:00.000Z', 'b@null']);
    assert.equal(collector.count, 2);
    assert.equal(collector.duplicates, 2);
    assert.equal(collector.firstDuplicate, 'a');
    assert.deepEqual(collector.result().map((item) => item.guid), ['a', 'b']);
  });

  it('keeps the N most recent, returned in document order, whatever the feed order', () => {
    const days = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10];
    const collector = new EpisodeCollector<Episode>(3, undefined);
    for (const day of days) collector.add(episode(`d${day}`, `2020-01-${String(day).padStart(2, '0')}T00:00:00.000Z`));
    assert.deepEqual(collector.result().map((item) => item.guid), ['d9', 'd8', 'd10']);
    assert.equal(collector.count, 10);
  });

  it('ranks undated episodes as oldest and breaks ties by document order', () => {
    const collector = new EpisodeCollector<Episode>(2, undefined);
    collector.add(episode('undated', null));
    collector.add(episode('first', '2020-01-01T00:00:00.000Z'));
    collector.add(episode('second', '2020-01-01T00:00:00.000Z'));
    collector.add(episode('third', '2020-01-01T00:00:00.000Z'));
    assert.deepEqual(collector.result().map((item) => item.guid), ['first', 'second']);
  });

  it('with a cap of 0 keeps nothing but still reports everything', () => {
    let reported = 0;
    const collector = new EpisodeCollector<Episode>(0, () => reported++);
    for (let index = 0; index < 5; index++) collector.add(episode(`g${index}`, null));
    assert.deepEqual(collector.result(), []);
    assert.equal(reported, 5);
    assert.equal(collector.count, 5);
  });

  it('selects like a full sort would, on a large shuffled input', () => {
    const collector = new EpisodeCollector<Episode>(25, undefined);
    const times: number[] = [];
    let seed = 42;
    for (let index = 0; index < 2000; index++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const time = Date.UTC(2000, 0, 1) + (seed % 100_000) * 60_000;
      times.push(time);
      collector.add(episode(`g${index}`, new Date(time).toISOString()));
    }
    const expected = times
      .map((time, index) => ({ time, index }))
      .sort((a, b) => b.time - a.time || a.index - b.index)
      .slice(0, 25)
      .sort((a, b) => a.index - b.index)
      .map(({ index }) => `g${index}`);
    assert.deepEqual(collector.result().map((item) => item.guid), expected);
  });
});
