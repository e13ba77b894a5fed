import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DomainError } from '../domain/decider.js';
import { OpmlError, parseOpml, type ParsedOpml } from './opml.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/opml');

function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, name));
}

function refused(run: () => unknown, code: string, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof OpmlError, `expected an OpmlError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('OPML import: files as podcast apps export them', () => {
  it('AntennaPod: text, title, type, xmlUrl, htmlUrl; an empty htmlUrl; a local folder that is no URL', () => {
    const expected: ParsedOpml = {
      title: 'AntennaPod Subscriptions',
      feeds: [
        { url: 'https://feeds.npr.org/510289/podcast.xml', title: 'Planet Money', htmlUrl: 'https://www.npr.org/podcasts/510289/planet-money', categories: [] },
        {
          url: 'https://radiofrance-podcast.net/podcast09/rss_10078.xml',
          title: 'Les Pieds sur terre',
          htmlUrl: 'https://www.radiofrance.fr/franceculture/podcasts/les-pieds-sur-terre',
          categories: [],
        },
        { url: 'https://feeds.jupiterbroadcasting.com/lup', title: 'Linux Unplugged', htmlUrl: 'https://linuxunplugged.com/', categories: [] },
        { url: 'https://feeds.simplecast.com/EmVW7VGp', title: 'Radiolab', htmlUrl: 'https://radiolab.org/', categories: [] },
        { url: 'https://www.patreon.com/rss/someshow?auth=Xy7-AbC_12&show=44', title: 'Private feed', categories: [] },
      ],
      skipped: [
        {
          reason: 'unsupported_scheme',
          text: 'Local folder',
          url: 'antennapod_local:content://com.android.externalstorage.documents/tree/primary%3APodcasts',
        },
      ],
    };
    assert.deepEqual(parseOpml(fixture('antennapod.opml')), expected);
  });

  it('gPodder: the title attribute names the feed (text holds the description); a title that is the URL is no title', () => {
    assert.deepEqual(parseOpml(fixture('gpodder.opml')), {
      title: 'gPodder subscriptions',
      feeds: [
        { url: 'https://latenightlinux.com/feed/mp3', title: 'Late Night Linux', categories: [] },
        { url: 'https://podcasts.files.bbci.co.uk/b006qykl.rss', title: 'In Our Time', categories: [] },
        { url: 'https://chaosradio.de/feed/m4a', title: 'Chaosradio', categories: [] },
        { url: 'https://www.tagesschau.de/export/video-podcast/webxl/tagesschau-in-100-sekunden_https/', title: 'Das Nachrichtenmagazin', categories: [] },
        { url: 'http://feeds.feedburner.com/freakonomicsradio', categories: [] },
      ],
      skipped: [],
    });
  });

  it('Apple Podcasts (iTunes export): text only, a missing type, a URL wrapped in line breaks', () => {
    assert.deepEqual(parseOpml(fixture('apple-podcasts.opml')), {
      title: 'iTunes Podcasts',
      feeds: [
        { url: 'https://feeds.simplecast.com/PpzWFGhg', title: 'Serial', categories: [] },
        { url: 'https://www.thisamericanlife.org/podcast/rss.xml', title: 'This American Life', categories: [] },
        { url: 'https://feeds.simplecast.com/54nAGcIl', title: 'The Daily', categories: [] },
        { url: 'http://feeds.feedburner.com/dancarlin/history?format=xml', title: 'Hardcore History', categories: [] },
        { url: 'https://atp.fm/rss', title: 'Accidental Tech Podcast', categories: [] },
      ],
      skipped: [],
    });
  });

  it('Pocket Casts: the "feeds" wrapper outline is no category; an outline with only xmlUrl', () => {
    assert.deepEqual(parseOpml(fixture('pocket-casts.opml')), {
      title: 'Pocket Casts Feeds',
      feeds: [
        { url: 'https://feeds.simplecast.com/dLRotFGk', title: 'Developer Tea', categories: [] },
        { url: 'https://feeds.simplecast.com/gvtxUiIf', title: 'Hanselminutes with Scott Hanselman', categories: [] },
        { url: 'http://feeds.nightvalepresents.com/welcometonightvalepodcast', title: 'Welcome to Night Vale', categories: [] },
        { url: 'https://feeds.megaphone.fm/replyall', categories: [] },
        { url: 'https://feeds.transistor.fm/acquired?key=f00&v=2', title: 'Acquired', categories: [] },
      ],
      skipped: [],
    });
  });

  it('Overcast (all data): playlists and episodes are not feeds and are not reported', () => {
    assert.deepEqual(parseOpml(fixture('overcast.opml')), {
      title: 'Overcast Podcast Subscriptions',
      feeds: [
        { url: 'https://www.arolivieri.com/gt-episodes?format=RSS', title: 'Great & Terrible', htmlUrl: 'https://www.arolivieri.com/gt-episodes/', categories: [] },
        { url: 'https://writenow.libsyn.com/rss', title: 'Write Now with Sarah Werner', htmlUrl: 'http://www.sarahwerner.net/', categories: [] },
        { url: 'https://www.spreaker.com/show/4468251/episodes/feed', title: 'The Prancing Pony Podcast', htmlUrl: 'http://theprancingponypodcast.com/', categories: [] },
      ],
      skipped: [],
    });
  });

  it('Podcast Addict: folders, non-Latin titles, an international host name, a virtual (local) podcast', () => {
    assert.deepEqual(parseOpml(fixture('podcast-addict.opml')), {
      title: 'Podcast Addict - OPML Export',
      feeds: [
        {
          url: 'https://radiofrance-podcast.net/podcast09/rss_20802.xml',
          title: 'Le Code a changé',
          htmlUrl: 'https://www.radiofrance.fr/franceinter/podcasts/le-code-a-change',
          categories: ['Podcasts'],
        },
        { url: 'https://anchor.fm/s/1a2b3c4d/podcast/rss', title: 'Ο Κόσμος της Επιστήμης', categories: ['Podcasts'] },
        { url: 'https://xn--nckya2awc2jwb.example/feed.xml', title: '宇宙ラジオ', htmlUrl: 'https://xn--nckya2awc2jwb.example/', categories: ['Podcasts'] },
        { url: 'https://icecast.radiofrance.fr/fip-hifi.aac', title: 'FIP', categories: ['Radio'] },
      ],
      skipped: [{ reason: 'relative_url', text: 'Virtual podcast', url: '/storage/emulated/0/Podcast Addict/virtual/My recordings' }],
    });
  });

  it('nested folders: categories outermost first; untitled folders add nothing; notes and empty folders are ignored', () => {
    assert.deepEqual(parseOpml(fixture('nested-folders.opml')), {
      title: 'My podcasts',
      feeds: [
        { url: 'https://unfiled.example.com/feed', title: 'Unfiled show', categories: [] },
        { url: 'https://pp.example.org/rss', title: 'Particle Physics Weekly', htmlUrl: 'https://pp.example.org/', categories: ['Science', 'Physics'] },
        { url: 'https://qubit.example.net/podcast.xml', title: 'Qubit Talk', categories: ['Science', 'Physics', 'Quantum'] },
        { url: 'https://bio.example.com/feed.rss', title: 'Biology Bites', categories: ['Science'] },
        { url: 'https://untitled.example.com/rss', title: 'In an untitled folder', categories: [] },
        { url: 'https://brief.example.com/rss', title: 'Morning Brief', categories: ['News & Politics'] },
      ],
      skipped: [],
    });
  });

  it('duplicates: one feed per normalized URL, at its first place, first title kept, categories merged', () => {
    assert.deepEqual(parseOpml(fixture('duplicates.opml')), {
      title: 'Merged from two phones',
      feeds: [
        { url: 'https://feed.syntax.fm/rss', title: 'Syntax', htmlUrl: 'https://syntax.fm/', categories: ['Tech', 'Favourites'] },
        { url: 'https://feeds.megaphone.fm/darknetdiaries', title: 'Darknet Diaries', categories: ['Tech', 'Favourites'] },
        // The first occurrence's "title" was its URL: the later one's name fills the gap.
        { url: 'https://example.com/untitled.xml', title: 'Untitled, named later', categories: [] },
      ],
      skipped: [],
    });
  });

  it('ISO-8859-1 bytes with a matching declaration', () => {
    const bytes = fixture('latin1.opml');
    assert.equal(bytes.includes(Buffer.from('é', 'utf8')), false, 'the fixture must really be Latin-1');
    assert.deepEqual(parseOpml(bytes), {
      title: 'Abonnements - émissions',
      feeds: [
        { url: 'https://radiofrance-podcast.net/podcast09/rss_13983.xml', title: 'Les Matins de France Culture', categories: [] },
        { url: 'https://frequence.example.fr/flux.xml', title: 'Fréquence Médecine', categories: [] },
        { url: 'https://capeutpas.example.fr/rss', title: 'Ça peut pas faire de mal', categories: [] },
        { url: 'https://lieder.example.de/feed', title: 'Straße der Lieder ©', categories: [] },
      ],
      skipped: [],
    });
  });

  it('HTML entities (&nbsp; &eacute; &laquo;...), stray "&" in text and URLs, windows-1252 references; an unknown entity stays as written', () => {
    assert.deepEqual(parseOpml(fixture('html-entities.opml')), {
      title: 'Mes podcasts – export',
      feeds: [
        { url: 'https://cafe.example.fr/rss?lang=fr&format=mp3', title: 'Café Crème', categories: [] },
        { url: 'https://qa.example.com/feed', title: 'Q&A with «Experts» & friends', categories: [] },
        { url: 'https://strasse.example.de/feed', title: 'Straße – “Talk” – &bogus; here', categories: [] },
        { url: 'https://sci.example.com/feed.xml', title: 'Science &amp; Tech…', categories: [] },
      ],
      skipped: [],
    });
  });

  it('old apps: url attribute on type="link"/"rss", feed:// itpc:// pcast:// feed:https://, and every unusable URL reported', () => {
    assert.deepEqual(parseOpml(fixture('legacy-schemes.opml')), {
      title: 'Juice subscriptions',
      feeds: [
        { url: 'http://podcast.example.com/itunes.xml', title: 'Old iTunes link', categories: [] },
        { url: 'http://feeds.example.com/show', title: 'Feed scheme', categories: [] },
        { url: 'https://secure.example.com/show.rss', title: 'Wrapped feed scheme', categories: [] },
        { url: 'http://pcast.example.org/feed', title: 'pcast link', categories: [] },
      ],
      skipped: [
        { reason: 'relative_url', text: 'Relative', url: 'feeds/local.xml' },
        { reason: 'relative_url', text: 'Protocol-relative', url: '//cdn.example.com/feed.xml' },
        { reason: 'unsupported_scheme', text: 'FTP', url: 'ftp://ftp.example.com/pub/podcast.xml' },
        { reason: 'unsupported_scheme', text: 'Script', url: 'javascript:alert(1)' },
        { reason: 'invalid_url', text: 'Bad host', url: 'http://exa mple.com/feed' },
        { reason: 'missing_url', text: 'Blank' },
        { reason: 'missing_url', text: 'No URL at all' },
        { reason: 'opml_include', text: 'More lists', url: 'http://lists.example.com/more.opml' },
        { reason: 'unsupported_scheme', text: 'A web page', url: 'mailto:host@example.com' },
      ],
    });
  });

  it('an HTML page (a login page saved instead of the export) is refused with a helpful message', () => {
    refused(
      () => parseOpml(fixture('not-opml.html')),
      'invalid_opml',
      'This file is a web page (HTML), not an OPML subscription list. In your podcast app, look for “Export OPML” or “Export subscriptions”.',
    );
  });

  it('a file cut in the middle of an outline is refused rather than half imported', () => {
    refused(
      () => parseOpml(fixture('truncated.opml')),
      'invalid_opml',
      'This OPML file is incomplete: it ends before the end of its list of subscriptions (was the download or copy cut short?). Export it again and retry.',
    );
  });

  it('reads a string the same as its UTF-8 bytes', () => {
    for (const name of ['antennapod.opml', 'nested-folders.opml', 'podcast-addict.opml']) {
      const bytes = fixture(name);
      assert.deepEqual(parseOpml(bytes.toString('utf8')), parseOpml(bytes), name);
      assert.deepEqual(parseOpml(new Uint8Array(bytes)), parseOpml(bytes), `${name} as a plain Uint8Array`);
    }
  });
});

describe('OPML import: files that are not OPML', () => {
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['an empty string', '', 'The file is empty.'],
    ['only whitespace', ' \n\t ', 'The file is empty.'],
    ['no bytes', new Uint8Array(0), 'The file is empty.'],
    ['a UTF-8 byte order mark alone', new Uint8Array([0xef, 0xbb, 0xbf]), 'The file is empty.'],
    ['JSON', '{"subscriptions": ["https://example.com/feed"]}', 'This file is not an OPML subscription list: it is not XML (it starts with “{"subscriptions": ["https://ex…”).'],
    ['a plain list of URLs', 'https://a.example/feed\n', 'This file is not an OPML subscription list: it is not XML (it starts with “https://a.example/feed”).'],
    ['a comment and nothing else', '<!-- nothing here -->', 'This file is not an OPML subscription list: no XML document was found in it.'],
    [
      'an RSS feed',
      '<?xml version="1.0"?><rss version="2.0"><channel><title>Show</title></channel></rss>',
      'This file is a podcast feed, not an OPML subscription list. To follow this podcast, subscribe to its address instead.',
    ],
    [
      'an Atom feed',
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>Show</title></feed>',
      'This file is a podcast feed, not an OPML subscription list. To follow this podcast, subscribe to its address instead.',
    ],
    ['another XML vocabulary', '<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'This file is XML but not an OPML subscription list (its main element is <svg>, not <opml>).'],
    ['OPML without a body', '<opml version="2.0"><head><title>x</title></head></opml>', 'This OPML file has no <body> element, so it lists no subscriptions.'],
    ['a body outside the opml element', '<opml version="2.0"><head><body><outline xmlUrl="https://a.example/f"/></body></head></opml>', 'This OPML file has no <body> element, so it lists no subscriptions.'],
  ];
  for (const [what, input, message] of cases) {
    it(`refuses ${what}`, () => refused(() => parseOpml(input), 'invalid_opml', message));
  }

  it('refuses a file cut before its body, or inside it', () => {
    const incomplete = /^This OPML file is incomplete/;
    refused(() => parseOpml('<?xml version="1.0"?><opml version="2.0"><head><title>Subscri'), 'invalid_opml', incomplete);
    refused(() => parseOpml('<opml><body><outline text="a" xmlUrl="https://a.example/f"/>'), 'invalid_opml', incomplete);
    refused(() => parseOpml('<opml><body><outline text="a" xmlUrl="https://a.exa'), 'invalid_opml', incomplete);
  });

  it('accepts a file cut just after </body>: nothing was lost', () => {
    assert.deepEqual(parseOpml('<opml><body><outline text="A" xmlUrl="https://a.example/f"/></body>'), {
      feeds: [{ url: 'https://a.example/f', title: 'A', categories: [] }],
      skipped: [],
    });
  });

  it('OpmlError is a DomainError with status 400', () => {
    const error = new OpmlError('opml_too_deep', 'x');
    assert.ok(error instanceof DomainError);
    assert.equal(error.status, 400);
    assert.equal(error.name, 'OpmlError');
  });
});
