/**
 * Real feeds from test/fixtures/feeds (see its README), and the check that every fixture is
 * covered (the Podcasting 2.0-heavy ones are in real-feeds-podcasting2.test.ts). Expected values
 * were read from the XML files themselves (and cross-checked with another XML parser), not from
 * this parser's output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureNames, itParsesRealFeeds, mp3, mp4, type RealFeedExpectations } from '../../../test/fixtures/feeds/real-feeds.js';

const PODCASTING2_FEEDS = ['SOM.xml', 'homegrown-hits.xml', 'natube-test.xml', 'no-agenda.xml', 'pc20rss.xml', 'podverse-test-feed.xml', 'publisher.xml'];

const EXAMPLE_FIRST = { guid: 'https://example.com/ep0003', enclosure: mp3('https://mp3s.nashownotes.com/PC20-17-2020-12-25-Final.mp3', 76606111) };
const EXAMPLE_LAST = { guid: 'https://example.com/ep0001', enclosure: mp3('https://mp3s.nashownotes.com/PC20-15-2020-12-11-Final.mp3', 71234813) };
const EXAMPLE_VALUE_ADDRESS = '036557ea56b3b86f08be31bcd2557cae8021b0e3a9413f0c0e52625c6696972e57';

const FEEDS: Record<string, RealFeedExpectations> = {
  'launched.xml': {
    episodes: 36,
    liveItems: 0,
    first: {
      guid: '18a6d2f1-27fd-487d-ae4b-26203ee89120',
      enclosure: mp3('https://aphid.fireside.fm/d/1437767933/65632ad5-59b2-4e30-82d1-13845dce07dd/18a6d2f1-27fd-487d-ae4b-26203ee89120.mp3', 1526065),
    },
    last: {
      guid: '3cdd73a4-0818-459b-a4e9-523e34ec9615',
      enclosure: mp3('https://aphid.fireside.fm/d/1437767933/65632ad5-59b2-4e30-82d1-13845dce07dd/3cdd73a4-0818-459b-a4e9-523e34ec9615.mp3', 2777031),
    },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Launched');
      assert.equal(feed.podcast.imageUrl, 'https://assets.fireside.fm/file/fireside-images/podcasts/images/6/65632ad5-59b2-4e30-82d1-13845dce07dd/cover.jpg?v=1');
      // Written with the pre-spec `email` attribute.
      assert.deepEqual(feed.podcast.locked, { value: true, owner: 'charliemchapman@gmail.com' });
      assert.deepEqual(feed.podcast.categories, ['Technology', 'Business', 'Marketing']);
      assert.equal(feed.podcast.type, 'episodic');
      assert.equal(feed.podcast.language, 'en-us');
      assert.equal(feed.podcast.publishedAt, '2021-05-18T13:49:20.000Z');
      assert.equal(feed.episodes[0]!.durationSeconds, 64);
      assert.equal(feed.episodes[0]!.publishedAt, '2021-05-18T13:00:00.000Z');
      assert.equal(feed.episodes[0]!.episodeType, 'full');
      assert.equal(feed.episodes.at(-1)!.durationSeconds, 116);
      assert.equal(feed.episodes.at(-1)!.publishedAt, '2019-12-14T02:00:00.000Z');
    },
  },
  'animated-no-agenda.xml': {
    episodes: 20,
    liveItems: 0,
    first: {
      guid: 'https://noagendatube.com/videos/watch/301929e6-a83e-45ad-8901-e513ea1ab81e',
      enclosure: mp4('https://noagendatube.com/static/webseed/301929e6-a83e-45ad-8901-e513ea1ab81e-1080.mp4', 21096526),
    },
    last: {
      guid: 'https://noagendatube.com/videos/watch/df2cb75c-e7cf-48eb-8d34-f258c656aa8d',
      enclosure: mp4('https://noagendatube.com/static/webseed/df2cb75c-e7cf-48eb-8d34-f258c656aa8d-1080.mp4', 30891305),
    },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Animated No Agenda');
      assert.equal(feed.podcast.imageUrl, 'https://noagendatube.com/lazy-static/avatars/2a501bbd-2805-4f58-a486-2708c8e526ad.png');
      assert.equal(feed.podcast.generator, 'Toraifōsu');
      assert.equal(feed.podcast.copyright?.includes("content's rightholder"), true);
      const first = feed.episodes[0]!;
      assert.equal(first.title, "Animated No Agenda - It's Probably an Inside Job [EP 100!]");
      // content:encoded (full text) wins over the truncated description.
      assert.match(first.description ?? '', /explained here: https:\/\/anav4v\.c/);
      assert.equal(first.alternateEnclosures.length, 7);
    },
  },
  'changing-the-tide.xml': {
    episodes: 15,
    liveItems: 0,
    first: {
      guid: 'baffe8902e8478c8c8482fd094cedd8c',
      enclosure: {
        url: 'https://t.subsplash.com/r/aHR0cHM6Ly9jZG4uc3Vic3BsYXNoLmNvbS9hdWRpb3MvR0JNOTlTLzYyNDE4MDRhLWE0MTktNGI2OS1iOGQwLTUwMjY3NmJkNTQ5NC9hdWRpby5tcDM.mp3?k=GBM99S&s=3&sapid=33xnjwg',
        type: 'audio/mp3',
        length: 70168907,
      },
    },
    last: {
      guid: '9f797464605cd84c4ebfbba0c7a1e08f',
      enclosure: {
        url: 'https://t.subsplash.com/r/aHR0cHM6Ly9jZG4uc3Vic3BsYXNoLmNvbS9hdWRpb3MvR0JNOTlTLzcyMGRkNDk4LTA1MjAtNGVkOC05YzBjLWJlZGJjZjg5ZGMxMC9hdWRpby5tcDM.mp3?k=GBM99S&s=3&sapid=mctt2g3',
        type: 'audio/mp3',
        length: 48378187,
      },
    },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Changing the Tide');
      assert.equal(feed.podcast.selfUrl, 'https://podcasts.subsplash.com/8f2y3mw/podcast.rss');
      assert.equal(feed.podcast.author, 'Jonathan Crabtree');
      assert.equal(feed.podcast.ownerEmail, 'jonathan@crabtree.tech');
      assert.equal(feed.episodes[0]!.durationSeconds, 4385);
      assert.equal(feed.episodes.at(-1)!.durationSeconds, 3023);
    },
  },
  'dk-podcast.xml': {
    episodes: 59,
    liveItems: 0,
    first: { guid: '61170826', enclosure: mp3('https://radiodownloaddw-a.akamaihd.net/Events/podcasts/de/2288_DKpodcast_lgn_de/5F52703B_2-podcast-2288-61170826.mp3', 7191317) },
    last: { guid: '60408118', enclosure: mp3('https://radiodownloaddw-a.akamaihd.net/Events/podcasts/de/2288_DKpodcast_lgn_de/B8D361CA_2-podcast-2288-60408118.mp3', 9786731) },
    // Line 570: <guid isPermaLink="false"></guid>. The enclosure URL stands in.
    fallbackGuids: ['https://radiodownloaddw-a.akamaihd.net/Events/podcasts/de/2288_DKpodcast_lgn_de/6CE7E3FA_2-podcast-2288-60620840.mp3'],
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Langsam gesprochene Nachrichten | Audios | DW Deutsch lernen');
      assert.equal(feed.podcast.imageUrl, 'https://static.dw.com/image/18800113_7.jpg');
      assert.equal(feed.podcast.selfUrl, 'https://rss.dw.com/xml/DKpodcast_lgn_de');
      assert.equal(feed.podcast.language, 'de');
      assert.equal(feed.podcast.explicit, false);
      assert.equal(feed.podcast.block, false);
      assert.deepEqual(feed.podcast.categories, ['Education', 'Language Learning']);
      assert.match(feed.podcast.description ?? '', /^C1 \| Deutsch für Profis: Verbessert euer Deutsch/);
      assert.equal(feed.episodes[0]!.title, '18.03.2022 – Langsam gesprochene Nachrichten');
      assert.equal(feed.episodes[0]!.durationSeconds, 420);
      assert.equal(feed.episodes.at(-1)!.durationSeconds, 583);
      assert.equal(feed.episodes.at(-1)!.publishedAt, '2022-01-13T09:58:00.000Z');
    },
  },
  'example.xml': {
    episodes: 3,
    liveItems: 0,
    first: EXAMPLE_FIRST,
    last: EXAMPLE_LAST,
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Podcasting 2.0 Namespace Example');
      // itunes:image written with the URL as text rather than href=.
      assert.equal(feed.podcast.imageUrl, 'https://example.com/images/pci_avatar-massive.jpg');
      assert.deepEqual(feed.podcast.locked, { value: true, owner: 'podcastowner@example.com' });
      assert.deepEqual(feed.podcast.funding, [{ url: 'https://example.com/donate', message: 'Support the show!' }]);
      assert.deepEqual(feed.podcast.location, { name: 'Austin, TX', geo: 'geo:30.2672,97.7431', osm: 'R113314' });
      assert.deepEqual(feed.podcast.value, [
        {
          type: 'lightning',
          method: 'keysend',
          suggested: '0.00000005000',
          recipients: [
            { name: 'podcaster', type: 'node', address: EXAMPLE_VALUE_ADDRESS, split: 99, customKey: null, customValue: null, fee: false },
            { name: 'hosting company', type: 'node', address: EXAMPLE_VALUE_ADDRESS, split: 1, customKey: null, customValue: null, fee: false },
          ],
          timeSplits: [],
        },
      ]);
      const first = feed.episodes[0]!;
      assert.equal(first.description, '<p>A look into the future of podcasting and how we get to Podcasting 2.0!</p>');
      assert.equal(first.imageUrl, 'https://example.com/ep0003/artMd.jpg');
      assert.equal(first.season, 1);
      assert.equal(first.seasonName, 'Podcasting 2.0');
      assert.equal(first.episode, 3);
      assert.deepEqual(first.soundbites, [{ startTime: 33.833, duration: 60, title: null }]);
      assert.deepEqual(first.images.map((image) => image.width), [1500, 600, 300, 150]);
      assert.deepEqual(first.persons.map((person) => [person.name, person.role, person.group]), [
        ['Adam Curry', 'host', 'cast'],
        ['Dave Jones', 'guest', 'cast'],
        ['Becky Smith', 'cover art designer', 'visuals'],
      ]);
    },
  },
  'simple.xml': {
    episodes: 3,
    liveItems: 0,
    first: EXAMPLE_FIRST,
    last: EXAMPLE_LAST,
    check: (feed) => {
      assert.equal(feed.podcast.locked, null);
      assert.deepEqual(feed.podcast.value, []);
      assert.equal(feed.podcast.author, 'John Doe');
      assert.equal(feed.podcast.type, 'episodic');
    },
  },
  'legacy.xml': {
    episodes: 3,
    liveItems: 0,
    first: EXAMPLE_FIRST,
    last: EXAMPLE_LAST,
    check: (feed) => {
      assert.equal(feed.podcast.funding.length, 0);
      assert.equal(feed.episodes[1]!.publishedAt, '2020-10-08T04:30:38.000Z');
    },
  },
  'unlocked.xml': {
    episodes: 3,
    liveItems: 0,
    first: EXAMPLE_FIRST,
    last: EXAMPLE_LAST,
    check: (feed) => {
      assert.deepEqual(feed.podcast.locked, { value: false, owner: 'podcastowner@example.com' });
      assert.deepEqual(feed.podcast.funding, [{ url: 'https://example.com/donate', message: 'Support the show!' }]);
      assert.equal(feed.podcast.value[0]?.recipients.length, 2);
    },
  },
  'empty.xml': {
    episodes: 0,
    liveItems: 0,
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Podcasting 2.0 Namespace Example');
      assert.equal(feed.podcast.author, 'John Doe');
      assert.equal(feed.podcast.publishedAt, '2020-10-09T04:30:38.000Z');
    },
  },
};

describe('real feeds', () => {
  it('covers every fixture file between this file and real-feeds-podcasting2.test.ts', () => {
    assert.deepEqual(fixtureNames(), [...Object.keys(FEEDS), ...PODCASTING2_FEEDS].sort());
  });
  itParsesRealFeeds(FEEDS);
});
