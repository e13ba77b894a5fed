/**
 * Real Podcasting 2.0 feeds from test/fixtures/feeds (see its README). Expected values were read
 * from the XML files themselves (and cross-checked with another XML parser), not from this
 * parser's output.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { itParsesRealFeeds, mp3, mp4, type RealFeedExpectations } from '../../../test/fixtures/feeds/real-feeds.js';

/** Feeds checked in this file; real-feeds.test.ts checks that together with its own they cover the folder. */
const FEEDS: Record<string, RealFeedExpectations> = {
  'no-agenda.xml': {
    episodes: 29,
    liveItems: 0,
    first: { guid: 'http://1393.noagendanotes.com', enclosure: mp3('https://mp3s.nashownotes.com/NA-1393-2021-10-24-Final.mp3', 138752044) },
    last: { guid: 'http://1365.noagendanotes.com', enclosure: mp3('https://mp3s.nashownotes.com/NA-1365-2021-07-18-Final.mp3', 171346591) },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'No Agenda');
      assert.equal(feed.podcast.imageUrl, 'https://noagendaassets.com/enc/1635105347.022_na-1393-art-feed.png');
      assert.equal(feed.podcast.podcastGuid, '856cd618-7f34-57ea-9b84-3600f1f65e7f');
      assert.deepEqual(feed.podcast.locked, { value: true, owner: 'adam@curry.com' });
      assert.deepEqual(feed.podcast.funding, [{ url: 'https://dvorak.org/na', message: 'Support the Show!' }]);
      assert.deepEqual(feed.podcast.categories, ['News & Politics', 'Comedy']);
      const [value] = feed.podcast.value;
      assert.equal(value?.type, 'lightning');
      assert.equal(value?.suggested, '0.00000005000');
      assert.deepEqual(value?.recipients.map((recipient) => [recipient.name, recipient.split]), [
        ['Value4Value', 80],
        ['Dreb Scott (Chapter Architect)', 5],
        ['Clip Custodian (LNpay.co)', 5],
        ['CurioCaster RSS Generator', 5],
        ['RaspiTestNode', 5],
      ]);
      const first = feed.episodes[0]!;
      assert.equal(first.title, '1393: "Space Wake"');
      assert.equal(first.publishedAt, '2021-10-24T20:22:24.000Z');
      assert.equal(first.author, 'Adam Curry & John C. Dvorak');
      assert.equal(first.explicit, false);
      assert.deepEqual(first.transcripts, [{ url: 'https://mp3s.nashownotes.com/NA-1393-Captions.srt', type: 'application/srt', language: null, rel: null }]);
      assert.deepEqual(first.chapters, { url: 'http://34.117.70.159/http%3Afeed.nashownotes.comrss.xml/http:1393.noagendanotes.com', type: 'application/json' });
      assert.deepEqual(first.persons.map((person) => [person.name, person.role, person.group]), [
        ['Adam Curry', 'host', 'cast'],
        ['John C Dvorak', 'host', 'cast'],
      ]);
      assert.equal(feed.episodes.at(-1)!.publishedAt, '2021-07-18T20:39:24.000Z');
      // "&lt;/p&gtgt;" at line 2761: an undefined entity, kept as text; everything else parses.
      assert.equal(feed.wellFormed, false);
      assert.deepEqual(feed.warnings, ['XML error at line 2761, column 17: undefined entity.']);
    },
  },
  'pc20rss.xml': {
    episodes: 56,
    liveItems: 0,
    first: { guid: 'PC2057', enclosure: mp3('https://mp3s.nashownotes.com/PC20-57-2021-10-08-Final.mp3', 70881847) },
    // The publisher used the publication date as the GUID of the oldest episodes.
    last: { guid: 'Fri, 11 Sep 2020 18:51:09 GMT', enclosure: mp3('https://mp3s.nashownotes.com/PC20-02-2020-09-11-Final.mp3', 59902895) },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Podcasting 2.0');
      assert.equal(feed.podcast.imageUrl, 'https://noagendaassets.com/enc/1601061118.678_pciavatar.jpg');
      assert.equal(feed.podcast.podcastGuid, '917393e3-1b1e-5cef-ace4-edaa54e1f810');
      assert.deepEqual(feed.podcast.locked, { value: true, owner: 'adam@curry.com' });
      assert.deepEqual(feed.podcast.funding, [{ url: 'https://paypal.me/podcastindex', message: 'Value 4 Value' }]);
      assert.equal(feed.podcast.ownerName, 'Adam Curry');
      assert.equal(feed.podcast.ownerEmail, 'adam@curry.com');
      assert.equal(feed.podcast.author, 'Podcast Index LLC');
      assert.deepEqual(feed.podcast.keywords, ['podcasting', 'media', 'software']);
      assert.equal(feed.podcast.value[0]?.recipients.length, 3);
      assert.deepEqual(feed.podcast.value[0]?.recipients[2], {
        name: 'CurioCaster RSS Generator',
        type: 'node',
        address: '033868c219bdb51a33560d854d500fe7d3898a1ad9e05dd89d0007e11313588500',
        split: 5,
        customKey: '112111100',
        customValue: 'wal_MB9T45QHGyW',
        fee: true,
      });
      const first = feed.episodes[0]!;
      assert.equal(first.title, 'Episode 57: Rebel Rubes');
      assert.deepEqual(first.transcripts, [{ url: 'https://mp3s.nashownotes.com/PC20-57-Captions.srt', type: 'application/srt', language: null, rel: null }]);
      assert.deepEqual(first.chapters, { url: 'http://34.117.70.159/http%3Amp3s.nashownotes.compc20rss.xml/PC2057', type: 'application/json' });
      assert.deepEqual(first.value[0]?.recipients.map((recipient) => recipient.split), [80, 5, 5, 10]);
      assert.equal(first.persons.length, 3);
      assert.match(first.description ?? '', /^<p><b>Podcasting 2.0 for October 8th 2021 Episode 57: Rebel Rubes<\/b><\/p>/);
      assert.equal(feed.episodes.at(-1)!.publishedAt, '2020-09-11T18:51:09.000Z');
      assert.equal(feed.wellFormed, true);
      assert.deepEqual(feed.warnings, []);
    },
  },
  'natube-test.xml': {
    episodes: 15,
    liveItems: 1,
    first: {
      guid: 'https://noagendatube.com/w/8d581e1f-1cf4-4e67-95f2-8fd4c1029009',
      enclosure: mp4('https://noagendatube.com/static/webseed/8d581e1f-1cf4-4e67-95f2-8fd4c1029009-2160.mp4', 419484773),
    },
    last: {
      guid: 'https://noagendatube.com/w/09f88ea7-79e7-4bba-b1df-cc589b4e495a',
      enclosure: mp4('https://noagendatube.com/static/webseed/09f88ea7-79e7-4bba-b1df-cc589b4e495a-1080.mp4', 38124287),
    },
    check: (feed) => {
      assert.equal(feed.podcast.medium, 'video');
      assert.equal(feed.podcast.imageUrl, 'https://noagendatube.com/lazy-static/avatars/1075e1f8-7e0c-4a8b-807c-6ccb66a740d0.jpg');
      const first = feed.episodes[0]!;
      assert.equal(first.title, 'GWAR - Joe Biden @ First Ave 2021');
      assert.equal(first.alternateEnclosures.length, 9);
      assert.deepEqual(first.alternateEnclosures[0], {
        type: 'video/mp4',
        length: 419484773,
        bitrate: 30507983.490909092,
        height: null,
        language: null,
        title: '2160p',
        rel: null,
        codecs: null,
        default: true,
        sources: [
          { uri: 'https://noagendatube.com/static/webseed/8d581e1f-1cf4-4e67-95f2-8fd4c1029009-2160.mp4', contentType: null },
          { uri: 'https://noagendatube.com/lazy-static/torrents/8d581e1f-1cf4-4e67-95f2-8fd4c1029009-2160.torrent', contentType: 'application/x-bittorrent' },
        ],
        integrity: null,
      });
      assert.deepEqual(first.socialInteract, [
        { uri: 'https://noagendatube.com/videos/watch/8d581e1f-1cf4-4e67-95f2-8fd4c1029009', protocol: 'activitypub', accountId: null, accountUrl: null, priority: null },
      ]);
      assert.equal(feed.episodes.at(-1)!.alternateEnclosures.length, 7);
      const live = feed.liveItems[0]!;
      assert.equal(live.guid, 'https://noagendatube.com/w/c4e99b72-4124-4698-b0fe-d6801b28143c');
      assert.equal(live.title, 'Saturn Daze: It Was Lit Radio!');
      assert.equal(live.status, 'live');
      assert.equal(live.startsAt, '2022-06-11T18:30:34.948Z');
      assert.equal(live.endsAt, null);
      assert.deepEqual(live.enclosure, {
        url: 'https://noagendatube.com/static/streaming-playlists/hls/c4e99b72-4124-4698-b0fe-d6801b28143c/master.m3u8',
        type: 'application/x-mpegURL',
        length: null,
      });
      assert.equal(live.alternateEnclosures[0]?.title, 'Live Stream 1');
    },
  },
  'homegrown-hits.xml': {
    episodes: 4,
    liveItems: 1,
    first: { guid: '0f47d504-adac-4ccb-8071-97b3a369d541', enclosure: mp3('https://feed.homegrownhits.xyz/assets/episodes/episode-03.mp3', 53489949) },
    last: { guid: 'Homegrown Hits Test', enclosure: mp3('https://feed.homegrownhits.xyz/assets/episodes/episode-00.mp3', 13043247) },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Homegrown Hits');
      assert.equal(feed.podcast.imageUrl, 'https://behindthesch3m3s.com/wp-content/uploads/2023/09/homegrown-hits-smoke-dance-pink.gif');
      assert.equal(feed.podcast.podcastGuid, 'ac746d09-7c3b-5bcd-b28a-f12d6456ca8f');
      assert.equal(feed.podcast.explicit, true);
      assert.equal(feed.podcast.medium, 'podcast');
      assert.deepEqual(feed.podcast.persons.map((person) => person.name), ['DuhLaurien', 'MaryKateUltra', 'Daisy B. Cooper']);
      assert.equal(feed.podcast.value[0]?.suggested, '0.00000069420');
      assert.equal(feed.podcast.value[0]?.recipients.length, 7);
      const first = feed.episodes[0]!;
      // CDATA holding "Fucktown Power Boys & No No": the "&" must stay as is.
      assert.match(first.description ?? '', /Fucktown Power Boys & No No – Can You Hear The Clouds\?/);
      assert.deepEqual(first.chapters, { url: 'https://feed.homegrownhits.xyz/assets/chapters/ch-episode-03.json', type: 'application/json+chapters' });
      assert.equal(first.publishedAt, '2023-09-28T21:20:00.000Z');
      const splits = first.value[0]!.timeSplits;
      assert.equal(splits.length, 6);
      assert.deepEqual(splits[0], {
        startTime: 219,
        duration: 239.15102,
        remoteStartTime: null,
        remotePercentage: 95,
        remoteItem: { feedGuid: '970cd229-dd92-5ba9-9356-00cd23c261f4', feedUrl: null, itemGuid: '27c735f0-23b9-4f47-9d33-12687e90e75a', medium: null, title: null },
        recipients: [],
      });
      assert.equal(feed.episodes.at(-1)!.value[0]!.timeSplits.length, 5);
      const live = feed.liveItems[0]!;
      assert.equal(live.guid, '81884459-5474-430a-a72f-c784b59219c9');
      assert.equal(live.status, 'pending');
      // "2023-10-05T24:00:00.000 -0500": midnight at the end of Oct 5th, US Central.
      assert.equal(live.startsAt, '2023-10-06T05:00:00.000Z');
      // "2023-10-06T01:00:000 -0500" is not a date.
      assert.equal(live.endsAt, null);
      assert.deepEqual(live.enclosure, mp3('https://stream.bowlafterbowl.com/listen/bowlafterbowl/stream.mp3', 33));
      assert.deepEqual(live.chat, {
        server: 'irc.zeronode.net',
        protocol: 'irc',
        accountId: 'DuhLaurien',
        space: '#HomegrownHits',
        embedUrl: 'https://kiwiirc.com/nextclient/irc.zeronode.net/?nick=Dude?#HomegrownHits',
      });
      assert.deepEqual(live.liveValue, { uri: 'https://curiohoster.com/event?event_id=00f1a2a1-f360-4be4-a87b-967dd3a850a4', protocol: 'socket.io' });
      assert.deepEqual(live.persons.map((person) => [person.name, person.href, person.imageUrl]), [
        ['DuhLaurien', 'https://bowlafterbowl.com', 'https://ableandthewolf.com/static/media/laurien.png'],
        ['MaryKateUltra', null, null],
        ['Daisy B. Cooper', null, null],
      ]);
      assert.deepEqual(feed.warnings, ['liveItem "81884459-5474-430a-a72f-c784b59219c9": unreadable end "2023-10-06T01:00:000 -0500"']);
    },
  },
  'podverse-test-feed.xml': {
    episodes: 5,
    liveItems: 4,
    first: {
      guid: 'https://noagendatube.com/videos/watch/0f6507ea-8d5f-4264-b2ac-9b839f720d9b',
      enclosure: mp4('https://noagendatube.com/static/webseed/0f6507ea-8d5f-4264-b2ac-9b839f720d9b-1080.mp4', 55298678),
    },
    last: { guid: 'c8c63b75-360b-462f-b8dc-2b05cc667067', enclosure: mp3('https://podverse.fm/sampleAudio/2B-F3-41-63-terkel-a0a0g7-a.mp3', 0) },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'Podverse - Test Feed');
      assert.equal(feed.podcast.imageUrl, 'https://podverse.fm/images/android-chrome-512x512.png');
      assert.equal(feed.podcast.link, null);
      assert.equal(feed.podcast.ownerName, null);
      assert.deepEqual(feed.podcast.categories, []);
      assert.deepEqual(feed.podcast.value[0]?.recipients.map((recipient) => [recipient.name, recipient.split, recipient.customValue]), [['Podverse', 100, 'wal_1IdSsnirIIbdV4']]);
      const first = feed.episodes[0]!;
      assert.equal(first.author, 'Brian of London');
      assert.equal(first.alternateEnclosures.length, 7);
      assert.equal(first.alternateEnclosures[0]?.height, 1080);
      assert.equal(first.alternateEnclosures[0]?.language, 'en');
      assert.equal(feed.episodes.at(-1)!.durationSeconds, 1032);
      assert.deepEqual(feed.liveItems.map((item) => [item.guid, item.title, item.status, item.startsAt, item.endsAt, item.enclosure?.length]), [
        ['ee36e4f1-eb54-4787-b2b0-0d855e7e9ba8', 'Live Audio', 'live', '2022-05-29T03:00:00.000Z', '2022-05-29T04:30:00.000Z', null],
        ['e2836af8-e4a0-4e25-ab39-f94491f9ac69', 'Live Video', 'live', '2022-05-29T03:00:00.000Z', '2022-05-29T04:30:00.000Z', null],
        ['4a4023ca-0232-460a-8339-b165bf8d093d', 'Live Video + Audio', 'live', '2022-05-29T03:00:00.000Z', '2022-05-29T04:30:00.000Z', null],
        ['114a4032-ad96-436b-b5cf-e27463d0bed9', 'Live Audio + Video', 'live', '2022-05-29T03:00:00.000Z', '2022-05-29T04:30:00.000Z', null],
      ]);
      assert.deepEqual(feed.liveItems[2]!.alternateEnclosures[0]?.sources, [
        { uri: 'http://listen.noagendastream.com/noagenda', contentType: null },
        { uri: 'https://noagendatube.com/lazy-static/torrents/bcfb54d4-8bff-49a7-baf6-26fed85ce360-0.torrent', contentType: 'application/x-bittorrent' },
      ]);
    },
  },
  'SOM.xml': {
    episodes: 2,
    liveItems: 0,
    first: {
      guid: 'tag:soundcloud,2010:tracks/319791095',
      enclosure: mp3('https://feeds.soundcloud.com/stream/319791095-jake-hider-934689971-my-song-3.m4a', 0),
    },
    last: {
      guid: 'tag:soundcloud,2010:tracks/319789777',
      enclosure: mp3('https://feeds.soundcloud.com/stream/319789777-jake-hider-934689971-my-song-6.m4a', 0),
    },
    check: (feed) => {
      assert.equal(feed.podcast.title, 'S.O.M.');
      assert.equal(feed.podcast.podcastGuid, 'a5ad6f3f-a279-504c-bc6a-30054e6b50e1');
      assert.equal(feed.podcast.medium, 'music');
      assert.deepEqual(feed.podcast.funding, [{ url: 'https://www.paypal.com/paypalme/jakehider', message: 'PayPal' }]);
      assert.deepEqual(feed.podcast.categories, ['Music']);
      assert.deepEqual(feed.podcast.persons.map((person) => [person.name, person.group, person.role]), [
        ['Jake Hider', 'band', 'guitar'],
        ['SLIEK Media', 'administration', 'content manager'],
      ]);
      assert.deepEqual(feed.podcast.value[0]?.recipients.map((recipient) => recipient.customValue), ['DpG3zzMtEjPCzRiHZ5qu', 'molMLBnBARvRdanMCRAb']);
      assert.equal(feed.episodes[0]!.durationSeconds, 166);
      assert.equal(feed.episodes[0]!.explicit, false);
      assert.deepEqual(feed.episodes[0]!.socialInteract[0], {
        uri: 'https://twitter.com/1JakeHider/status/1536770859943219200',
        protocol: 'twitter',
        accountId: '@1JakeHider',
        accountUrl: 'https://twitter.com/1JakeHider',
        priority: null,
      });
    },
  },
  'publisher.xml': {
    episodes: 0,
    liveItems: 0,
    check: (feed) => {
      assert.equal(feed.podcast.title, 'AgileSet Media');
      assert.equal(feed.podcast.medium, 'publisher');
      assert.equal(feed.podcast.podcastGuid, '003af0a0-6a45-55bf-b765-68e3d349551a');
      assert.equal(feed.podcast.imageUrl, 'https://agilesetmedia.com/assets/static/AgileSet-logo-square-sm-144.png');
      assert.deepEqual(feed.podcast.persons, [
        {
          name: 'Mike Neumann',
          role: 'director',
          group: 'creative direction',
          imageUrl: 'https://itsamood.org/assets/static/MikeNeumann_202310.jpg',
          href: 'https://mikeneumann.net',
        },
      ]);
      assert.deepEqual(feed.podcast.remoteItems.map((item) => [item.medium, item.feedGuid, item.feedUrl]), [
        ['podcast', '469b403f-db2d-574c-9db9-96dbb3f6561c', 'https://itsamood.org/itsamoodrss.xml'],
        ['podcast', '72816866-317e-5e48-8895-8193d58e5b57', 'https://mikesmixtape.com/mikesmixtaperss.xml'],
        ['podcast', '7a2d292c-8656-5fcf-88d2-31b10e54d7c7', 'https://mikeneumann.show/themnshowrss.xml'],
      ]);
    },
  },
};

describe('real Podcasting 2.0 feeds', () => {
  itParsesRealFeeds(FEEDS);
});
