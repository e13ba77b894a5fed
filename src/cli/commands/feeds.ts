import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { VERSION } from '../../app/version.js';
import { createFeedFetcher, FeedFetchError } from '../../feeds/fetcher/index.js';
import { FeedParseError, parseFeed, type ParsedFeed } from '../../feeds/parser/index.js';
import { UsageError, type Command } from '../command.js';

function summary(feed: ParsedFeed): string[] {
  const lines = [
    `${feed.podcast.title ?? '(untitled)'} (${feed.format}${feed.version ? ` ${feed.version}` : ''}, ${feed.encoding})`,
    `${feed.episodeCount} episodes${feed.liveItems.length ? `, ${feed.liveItems.length} live items` : ''}${feed.podcast.podcastGuid ? `; podcast:guid ${feed.podcast.podcastGuid}` : ''}`,
  ];
  for (const episode of feed.episodes.slice(0, 10)) {
    lines.push(`  ${episode.publishedAt?.slice(0, 10) ?? '????-??-??'}  ${episode.title ?? '(untitled)'}  [${episode.guid}]${episode.enclosure ? `  ${episode.enclosure.url}` : ''}`);
  }
  if (feed.episodes.length > 10) lines.push(`  … ${feed.episodes.length - 10} more`);
  if (!feed.wellFormed || feed.truncated) lines.push(`Not well-formed XML${feed.truncated ? ', truncated' : ''}: recovered what could be read.`);
  for (const warning of feed.warnings) lines.push(`warning: ${warning}`);
  return lines;
}

export const feedsParseCommand: Command = {
  path: ['feeds', 'parse'],
  usage: 'balados feeds parse <file-or-url> [--json] [--allow-private]',
  summary: 'Fetch (or read) and parse a feed, printing the normalized podcast and episodes',
  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, 'allow-private': { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give one file path or http(s) URL');
    const source = positionals[0]!;
    let feed: ParsedFeed;
    try {
      if (/^https?:\/\//i.test(source)) {
        const fetcher = createFeedFetcher({ version: VERSION, allowPrivateAddresses: values['allow-private'] });
        try {
          const outcome = await fetcher.fetch(source);
          if (outcome.kind !== 'fetched') throw new UsageError('The server answered 304 Not Modified without a conditional request');
          feed = await parseFeed(outcome.body, { baseUrl: outcome.finalUrl });
          if (outcome.permanentRedirect) context.err(`note: permanently redirected to ${outcome.permanentRedirect.to}`);
        } finally {
          await fetcher.close();
        }
      } else {
        if (!fs.existsSync(source)) throw new UsageError(`No such file: ${source}`);
        feed = await parseFeed(fs.createReadStream(source));
      }
    } catch (error) {
      if (error instanceof FeedParseError || error instanceof FeedFetchError) {
        context.err(`Error (${error.code}): ${error.message}`);
        return 1;
      }
      throw error;
    }
    if (values.json) context.out(JSON.stringify(feed, null, 2));
    else summary(feed).forEach((line) => context.out(line));
    return 0;
  },
};
