import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { MAX_QUERY_LENGTH, type DirectoryPodcast, type PodcastDirectory } from '../../directory/podcast-directory.js';
import { principalOf } from '../../http/authentication.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { EpisodeData, episodeData, PodcastData, podcastData } from './podcast-data.js';
import { episodeUrlParam, feedUrlParam, jsonName, splitExtension } from './requests.js';
import { formatOf, sendList } from './simple-routes.js';

const MAX_RESULTS = 100;
const SEARCH_RESULTS = 20;
const DEFAULT_TOPLIST = 50;

/** mygpo's `parse_range`: a count clamped to 1..100, anything not a number meaning 100. */
function countOf(text: string): number {
  if (!/^-?\d{1,9}$/.test(text)) return MAX_RESULTS;
  return Math.min(MAX_RESULTS, Math.max(1, Number(text)));
}

/** `?scale_logo=` is accepted (1 to 256, as mygpo) but logos are not scaled. */
function checkScaleLogo(value: string | undefined): void {
  if (value === undefined) return;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 256) throw new HttpError(400, 'invalid_scale_logo', 'scale_logo is a size from 1 to 256');
}

function sendPodcasts(reply: FastifyReply, extension: string, podcasts: readonly DirectoryPodcast[], title: string): FastifyReply {
  const format = formatOf(extension);
  const feeds = podcasts.map((podcast) => ({ feedUrl: podcast.feedUrl, title: podcast.metadata.title ?? null }));
  return sendList(reply, format, feeds, () => podcasts.map((podcast) => podcastData(podcast.feedUrl, podcast.subscribers, podcast.metadata)), title);
}

const ListQuery = Type.Object({ scale_logo: Type.Optional(Type.String()) });
const listDescription =
  'Formats: `json` (podcast objects), `opml`, `txt`. Podcasts appear only when an account subscribes to them with a subscription it lets be counted (privacy public or anonymous); `subscribers` counts those.';

/**
 * The directory endpoints podcast apps use for discovery (mygpo/api/simple.py, advanced/directory.py),
 * answered from the podcasts this instance knows publicly (src/directory). Public, like mygpo's.
 */
export const gpodderDirectoryRoutes: FastifyPluginAsyncTypebox<{ directory: PodcastDirectory }> = async (app, { directory }) => {
  app.get(
    '/toplist/:countFile',
    { schema: { tags: ['gpodder'], summary: 'gpodder.net: the most subscribed podcasts', description: `\`{countFile}\` is \`{n}.{format}\` (n from 1 to 100). ${listDescription}`, params: Type.Object({ countFile: Type.String() }), querystring: ListQuery } },
    async (request, reply) => {
      const { name, extension } = splitExtension(request.params.countFile);
      checkScaleLogo(request.query.scale_logo);
      formatOf(extension);
      return sendPodcasts(reply, extension, await directory.top(countOf(name)), 'Most subscribed podcasts');
    },
  );

  app.get(
    '/toplist.:format',
    { schema: { tags: ['gpodder'], summary: 'gpodder.net: the 50 most subscribed podcasts', description: listDescription, params: Type.Object({ format: Type.String() }), querystring: ListQuery } },
    async (request, reply) => {
      checkScaleLogo(request.query.scale_logo);
      formatOf(request.params.format);
      return sendPodcasts(reply, request.params.format, await directory.top(DEFAULT_TOPLIST), 'Most subscribed podcasts');
    },
  );

  app.get(
    '/search.:format',
    {
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: search the podcasts of this instance',
        description: `At most 20 results: podcasts whose feed URL holds \`q\` (or whose title matches, once the instance knows titles). ${listDescription}`,
        params: Type.Object({ format: Type.String() }),
        querystring: Type.Object({ q: Type.Optional(Type.String()), scale_logo: Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      const query = request.query.q?.trim() ?? '';
      if (query === '') throw new HttpError(400, 'missing_query', 'q= is what to search for');
      if (query.length > MAX_QUERY_LENGTH) throw new HttpError(400, 'query_too_long', `A search is at most ${MAX_QUERY_LENGTH} characters`);
      checkScaleLogo(request.query.scale_logo);
      formatOf(request.params.format);
      return sendPodcasts(reply, request.params.format, await directory.search(query, SEARCH_RESULTS), `Search: ${query}`);
    },
  );

  app.get(
    '/suggestions/:countFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: podcasts suggested to the signed-in account',
        description: `The most subscribed podcasts of the instance that the account does not subscribe to. \`{countFile}\` is \`{n}.{format}\`. ${listDescription}`,
        params: Type.Object({ countFile: Type.String() }),
        querystring: ListQuery,
      },
    },
    async (request, reply) => {
      const { name, extension } = splitExtension(request.params.countFile);
      checkScaleLogo(request.query.scale_logo);
      formatOf(extension);
      const { userId } = principalOf(request);
      return sendPodcasts(reply, extension, await directory.suggestions(userId, countOf(name)), 'Suggested podcasts');
    },
  );

  app.get(
    '/api/2/tags/:countFile',
    {
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: the most used categories',
        description: '`{countFile}` is `{n}.json`. Empty until the instance knows the podcasts\' categories.',
        params: Type.Object({ countFile: Type.String() }),
        response: { 200: Type.Array(Type.Object({ title: Type.String(), tag: Type.String(), usage: Type.Integer() })), ...errorResponses },
      },
    },
    async (request) => directory.metadata.topTags(countOf(jsonName(request.params.countFile))),
  );

  app.get(
    '/api/2/tag/:tag/:countFile',
    {
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: the most subscribed podcasts of a category',
        description: '`{countFile}` is `{n}.json`; an unknown category gives `[]`.',
        params: Type.Object({ tag: Type.String(), countFile: Type.String() }),
        response: { 200: Type.Array(PodcastData), ...errorResponses },
      },
    },
    async (request) => {
      const podcasts = await directory.tagged(request.params.tag, countOf(jsonName(request.params.countFile)));
      return podcasts.map((podcast) => podcastData(podcast.feedUrl, podcast.subscribers, podcast.metadata));
    },
  );

  app.get(
    '/api/2/data/podcast.json',
    {
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: one podcast of the directory',
        description: '404 `podcast_not_found` for a podcast the directory does not name (as mygpo, and the same whether nobody or only private subscriptions hold it).',
        querystring: Type.Object({ url: Type.Optional(Type.String()) }),
        response: { 200: PodcastData, ...errorResponses },
      },
    },
    async (request) => {
      const podcast = await directory.podcast(feedUrlParam(request.query.url, 'url'));
      if (!podcast) throw new HttpError(404, 'podcast_not_found', 'This instance knows no such podcast');
      return podcastData(podcast.feedUrl, podcast.subscribers, podcast.metadata);
    },
  );

  app.get(
    '/api/2/data/episode.json',
    {
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: one episode of a podcast of the directory',
        description:
          '`podcast` is the feed URL, `url` the media URL. 404 `podcast_not_found` as for `/api/2/data/podcast.json`; episode details (title, release) are filled in where the instance knows them, else the URL stands for the title.',
        querystring: Type.Object({ podcast: Type.Optional(Type.String()), url: Type.Optional(Type.String()) }),
        response: { 200: EpisodeData, ...errorResponses },
      },
    },
    async (request) => {
      const feedUrl = feedUrlParam(request.query.podcast, 'podcast');
      const url = episodeUrlParam(request.query.url, 'url');
      const podcast = await directory.podcast(feedUrl);
      if (!podcast) throw new HttpError(404, 'podcast_not_found', 'This instance knows no such podcast');
      return episodeData({ url, feedUrl }, podcast.metadata, await directory.metadata.episode(feedUrl, url));
    },
  );
};
