import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFeedParser } from './feed-parser.js';
import type { ParsedFeed } from './model.js';

function parse(xml: string): ParsedFeed {
  const parser = createFeedParser({ baseUrl: 'https://example.com/feed.xml' });
  parser.write(xml);
  return parser.end();
}

function feedWith(namespaceUri: string, channel: string, items = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:podcast="${namespaceUri}" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>PC2</title>${channel}${items}</channel></rss>`;
}

const CHANNEL = `
  <podcast:guid> 917393e3-1b1e-5cef-ace4-edaa54e1f810 </podcast:guid>
  <podcast:locked owner="owner@example.com">yes</podcast:locked>
  <podcast:funding url="https://example.com/donate">Support the show!</podcast:funding>
  <podcast:funding url="https://example.com/patreon"/>
  <podcast:funding>no url, dropped</podcast:funding>
  <podcast:person href="https://example.com/ann" img="/ann.jpg">Ann</podcast:person>
  <podcast:person role="Guest" group="Writing">Bob</podcast:person>
  <podcast:person role="host"></podcast:person>
  <podcast:medium> Music </podcast:medium>
  <podcast:location geo="geo:30.2672,97.7431" osm="R113314">Austin, TX</podcast:location>
  <podcast:license url="https://creativecommons.org/licenses/by/4.0/">cc-by-4.0</podcast:license>
  <podcast:trailer pubdate="Thu, 01 Apr 2021 08:00:00 EST" url="https://example.com/trailer.mp3" length="12345678" type="audio/mpeg" season="2">Coming soon</podcast:trailer>
  <podcast:images srcset="https://example.com/a-1500.jpg 1500w, https://example.com/a-600.jpg 600w,
                          https://example.com/a-3000.jpg 3000w"/>
  <podcast:block id="spotify">yes</podcast:block>
  <podcast:txt purpose="verify">S6lpp-7ZCn8-dZfGc</podcast:txt>
  <podcast:remoteItem feedGuid="917393e3-1b1e-5cef-ace4-edaa54e1f810" feedUrl="https://example.com/other.xml" medium="Music"/>
  <podcast:podroll>
    <podcast:remoteItem feedGuid="a94f5cc9-8c58-55fc-91fe-a324087a655b"/>
    <podcast:remoteItem feedGuid="ff519a2a-7d1b-5d6d-9ac1-4d8bf4a2bce8" title="Friend"/>
  </podcast:podroll>
  <podcast:value type="lightning" method="keysend" suggested="0.00000005000">
    <podcast:valueRecipient name="Host" type="node" address="02d5c1bf8b940dc9cadca86d1b0a3c37fbe39cee4c7e839e33bef9174531d27f52" split="90"/>
    <podcast:valueRecipient name="App" type="node" address="03ae9f91a0cb8ff43840e3c322c4c61f019d8c1c3cea15a25cfc425ac605e61a4a" split="10" fee="true" customKey="696969" customValue="abc"/>
  </podcast:value>`;

const ITEM = `
  <item>
    <title>Episode 3</title>
    <guid isPermaLink="false">ep3</guid>
    <enclosure url="https://example.com/ep3.mp3" length="100" type="audio/mpeg"/>
    <podcast:season name="Podcasting 2.0">1</podcast:season>
    <podcast:episode display="Ch.3">3.5</podcast:episode>
    <podcast:transcript url="https://example.com/ep3/transcript.vtt" type="text/vtt" language="es" rel="captions"/>
    <podcast:transcript url="/ep3/transcript.json" type="application/json"/>
    <podcast:chapters url="https://example.com/ep3_chapters.json" type="application/json+chapters"/>
    <podcast:soundbite startTime="73.0" duration="60.0">Pepper &amp; Salt</podcast:soundbite>
    <podcast:soundbite startTime="bad" duration="60.0"/>
    <podcast:person group="visuals" role="cover art designer" href="https://example.com/artist">Becky</podcast:person>
    <podcast:location geo="geo:39.7837304,-100.445882;u=3900000">Middle of the USA</podcast:location>
    <podcast:socialInteract uri="https://podcastindex.social/web/@dave/108013847520053258" protocol="activitypub" accountId="@dave" accountUrl="https://podcastindex.social/web/@dave" priority="1"/>
    <podcast:socialInteract protocol="disabled"/>
    <podcast:alternateEnclosure type="audio/opus" length="32400000" bitrate="96000" height="0" lang="en" title="Opus" rel="Off stage" codecs="opus" default="true">
      <podcast:integrity type="sri" value="sha384-ExVqijgYHm15PqQqdXfW95x+Rs6C+d6E/ICxyQOeFevnxNLR/wtJNrNYTjIysUBo"/>
      <podcast:source uri="https://example.com/file-0.opus"/>
      <podcast:source uri="ipfs://someRandomMpegDashFile" contentType="application/dash+xml"/>
    </podcast:alternateEnclosure>
    <podcast:alternateEnclosure type="video/mp4"></podcast:alternateEnclosure>
    <podcast:value type="lightning" method="keysend" suggested="0.00000015000">
      <podcast:valueRecipient name="Alice" type="node" address="02d5" split="100"/>
      <podcast:valueTimeSplit startTime="60" duration="237" remotePercentage="95">
        <podcast:remoteItem itemGuid="https://podcastindex.org/podcast/4148683#1" feedGuid="a94f5cc9-8c58-55fc-91fe-a324087a655b" medium="music"/>
      </podcast:valueTimeSplit>
      <podcast:valueTimeSplit startTime="300" duration="60" remoteStartTime="10">
        <podcast:valueRecipient name="Guest" type="node" address="03ae" split="1"/>
      </podcast:valueTimeSplit>
    </podcast:value>
    <podcast:images srcset="https://example.com/ep3-1500.jpg 1500w, https://example.com/ep3-150.jpg 150w"/>
    <podcast:license>cc-by-nc-4.0</podcast:license>
  </item>`;

const LIVE_ITEM = `
  <podcast:liveItem status="Live" start="2021-09-26T07:30:00.000-0600" end="2021-09-26T09:30:00.000-0600">
    <title>Podcasting 2.0 Live Show</title>
    <guid>e32b4890-983b-4ce5-8b46-f2d6bc1d8819</guid>
    <enclosure url="https://example.com/pc20/livestream?format=.mp3" type="audio/mpeg" length="312"/>
    <podcast:contentLink href="https://youtube.com/pc20/livestream">YouTube!</podcast:contentLink>
    <podcast:chat server="irc.zeronode.net" protocol="irc" accountId="@jack" space="#podcastindex"/>
    <podcast:liveValue uri="https://example.com/event?event_id=1" protocol="socket.io"/>
  </podcast:liveItem>
  <podcast:liveItem status="sometime" start="whenever">
    <guid>second-live</guid>
  </podcast:liveItem>`;

describe('Podcasting 2.0 namespace', () => {
  for (const uri of [
    'https://podcastindex.org/namespace/1.0',
    'http://podcastindex.org/namespace/1.0/',
    'https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md',
  ]) {
    it(`reads channel-level tags with namespace ${uri}`, () => {
      const podcast = parse(feedWith(uri, CHANNEL)).podcast;
      assert.equal(podcast.podcastGuid, '917393e3-1b1e-5cef-ace4-edaa54e1f810');
      assert.deepEqual(podcast.locked, { value: true, owner: 'owner@example.com' });
      assert.deepEqual(podcast.funding, [
        { url: 'https://example.com/donate', message: 'Support the show!' },
        { url: 'https://example.com/patreon', message: null },
      ]);
      assert.deepEqual(podcast.persons, [
        { name: 'Ann', role: 'host', group: 'cast', imageUrl: 'https://example.com/ann.jpg', href: 'https://example.com/ann' },
        { name: 'Bob', role: 'guest', group: 'writing', imageUrl: null, href: null },
      ]);
      assert.equal(podcast.medium, 'music');
      assert.deepEqual(podcast.location, { name: 'Austin, TX', geo: 'geo:30.2672,97.7431', osm: 'R113314' });
      assert.deepEqual(podcast.license, { name: 'cc-by-4.0', url: 'https://creativecommons.org/licenses/by/4.0/' });
      assert.deepEqual(podcast.trailers, [
        { url: 'https://example.com/trailer.mp3', title: 'Coming soon', publishedAt: '2021-04-01T13:00:00.000Z', length: 12345678, type: 'audio/mpeg', season: 2 },
      ]);
      assert.deepEqual(podcast.images, [
        { url: 'https://example.com/a-1500.jpg', width: 1500 },
        { url: 'https://example.com/a-600.jpg', width: 600 },
        { url: 'https://example.com/a-3000.jpg', width: 3000 },
      ]);
      // Without itunes:image or <image>, the largest podcast:images candidate is the cover.
      assert.equal(podcast.imageUrl, 'https://example.com/a-3000.jpg');
      // A block for one platform only (id="spotify") is not a global block.
      assert.equal(podcast.block, false);
      assert.deepEqual(podcast.txt, [{ purpose: 'verify', value: 'S6lpp-7ZCn8-dZfGc' }]);
      assert.deepEqual(podcast.remoteItems, [
        { feedGuid: '917393e3-1b1e-5cef-ace4-edaa54e1f810', feedUrl: 'https://example.com/other.xml', itemGuid: null, medium: 'music', title: null },
      ]);
      assert.deepEqual(podcast.podroll.map((item) => [item.feedGuid, item.title]), [
        ['a94f5cc9-8c58-55fc-91fe-a324087a655b', null],
        ['ff519a2a-7d1b-5d6d-9ac1-4d8bf4a2bce8', 'Friend'],
      ]);
      assert.deepEqual(podcast.value, [
        {
          type: 'lightning',
          method: 'keysend',
          suggested: '0.00000005000',
          recipients: [
            { name: 'Host', type: 'node', address: '02d5c1bf8b940dc9cadca86d1b0a3c37fbe39cee4c7e839e33bef9174531d27f52', split: 90, customKey: null, customValue: null, fee: false },
            { name: 'App', type: 'node', address: '03ae9f91a0cb8ff43840e3c322c4c61f019d8c1c3cea15a25cfc425ac605e61a4a', split: 10, customKey: '696969', customValue: 'abc', fee: true },
          ],
          timeSplits: [],
        },
      ]);
    });
  }

  it('reads item-level tags', () => {
    const feed = parse(feedWith('https://podcastindex.org/namespace/1.0', '', ITEM));
    const episode = feed.episodes[0]!;
    assert.equal(episode.season, 1);
    assert.equal(episode.seasonName, 'Podcasting 2.0');
    assert.equal(episode.episode, 3.5);
    assert.equal(episode.episodeDisplay, 'Ch.3');
    assert.deepEqual(episode.transcripts, [
      { url: 'https://example.com/ep3/transcript.vtt', type: 'text/vtt', language: 'es', rel: 'captions' },
      { url: 'https://example.com/ep3/transcript.json', type: 'application/json', language: null, rel: null },
    ]);
    assert.deepEqual(episode.chapters, { url: 'https://example.com/ep3_chapters.json', type: 'application/json+chapters' });
    assert.deepEqual(episode.soundbites, [{ startTime: 73, duration: 60, title: 'Pepper & Salt' }]);
    assert.deepEqual(episode.persons, [{ name: 'Becky', role: 'cover art designer', group: 'visuals', imageUrl: null, href: 'https://example.com/artist' }]);
    assert.deepEqual(episode.location, { name: 'Middle of the USA', geo: 'geo:39.7837304,-100.445882;u=3900000', osm: null });
    assert.deepEqual(episode.socialInteract, [
      { uri: 'https://podcastindex.social/web/@dave/108013847520053258', protocol: 'activitypub', accountId: '@dave', accountUrl: 'https://podcastindex.social/web/@dave', priority: 1 },
      { uri: null, protocol: 'disabled', accountId: null, accountUrl: null, priority: null },
    ]);
    assert.deepEqual(episode.alternateEnclosures, [
      {
        type: 'audio/opus',
        length: 32400000,
        bitrate: 96000,
        height: 0,
        language: 'en',
        title: 'Opus',
        rel: 'Off stage',
        codecs: 'opus',
        default: true,
        sources: [
          { uri: 'https://example.com/file-0.opus', contentType: null },
          { uri: 'ipfs://someRandomMpegDashFile', contentType: 'application/dash+xml' },
        ],
        integrity: { type: 'sri', value: 'sha384-ExVqijgYHm15PqQqdXfW95x+Rs6C+d6E/ICxyQOeFevnxNLR/wtJNrNYTjIysUBo' },
      },
    ]);
    assert.equal(episode.value.length, 1);
    assert.deepEqual(episode.value[0]!.timeSplits, [
      {
        startTime: 60,
        duration: 237,
        remoteStartTime: null,
        remotePercentage: 95,
        remoteItem: { feedGuid: 'a94f5cc9-8c58-55fc-91fe-a324087a655b', feedUrl: null, itemGuid: 'https://podcastindex.org/podcast/4148683#1', medium: 'music', title: null },
        recipients: [],
      },
      {
        startTime: 300,
        duration: 60,
        remoteStartTime: 10,
        remotePercentage: null,
        remoteItem: null,
        recipients: [{ name: 'Guest', type: 'node', address: '03ae', split: 1, customKey: null, customValue: null, fee: false }],
      },
    ]);
    assert.equal(episode.imageUrl, 'https://example.com/ep3-1500.jpg');
    assert.deepEqual(episode.license, { name: 'cc-by-nc-4.0', url: null });
  });

  it('keeps podcast:liveItem apart from episodes, with status, schedule and live links', () => {
    const seen: string[] = [];
    const parser = createFeedParser({ onLiveItem: (item) => seen.push(item.guid), onEpisode: (episode) => seen.push(`episode:${episode.guid}`) });
    parser.write(feedWith('https://podcastindex.org/namespace/1.0', '', LIVE_ITEM + ITEM));
    const feed = parser.end();
    assert.deepEqual(seen, ['e32b4890-983b-4ce5-8b46-f2d6bc1d8819', 'second-live', 'episode:ep3']);
    assert.deepEqual(feed.episodes.map((episode) => episode.guid), ['ep3']);
    assert.equal(feed.liveItems.length, 2);
    const [live, odd] = feed.liveItems as [ParsedFeed['liveItems'][0], ParsedFeed['liveItems'][0]];
    assert.equal(live.status, 'live');
    assert.equal(live.startsAt, '2021-09-26T13:30:00.000Z');
    assert.equal(live.endsAt, '2021-09-26T15:30:00.000Z');
    assert.equal(live.title, 'Podcasting 2.0 Live Show');
    assert.deepEqual(live.enclosure, { url: 'https://example.com/pc20/livestream?format=.mp3', type: 'audio/mpeg', length: 312 });
    assert.deepEqual(live.contentLinks, [{ href: 'https://youtube.com/pc20/livestream', text: 'YouTube!' }]);
    assert.deepEqual(live.chat, { server: 'irc.zeronode.net', protocol: 'irc', accountId: '@jack', space: '#podcastindex', embedUrl: null });
    assert.deepEqual(live.liveValue, { uri: 'https://example.com/event?event_id=1', protocol: 'socket.io' });
    assert.equal(odd.status, null);
    assert.equal(odd.startsAt, null);
    assert.match(feed.warnings.join('\n'), /liveItem "second-live": unreadable start "whenever"/);
  });

  it('ignores podcast-like elements from another namespace', () => {
    const feed = parse(feedWith('https://example.com/not-the-podcast-namespace', '<podcast:guid>nope</podcast:guid><podcast:locked>yes</podcast:locked>'));
    assert.equal(feed.podcast.podcastGuid, null);
    assert.equal(feed.podcast.locked, null);
  });
});
