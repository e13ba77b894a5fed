import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { exportOpml, OpmlError, parseOpml } from '../../subscriptions/opml.js';
import { podcastData } from './podcast-data.js';
import { accountFor, checkDeviceId, splitExtension, textBody } from './requests.js';
import type { GpodderSubscriptionSync } from './subscription-sync.js';

export type Format = 'json' | 'opml' | 'txt';

export function formatOf(extension: string): Format {
  if (extension === 'json' || extension === 'opml' || extension === 'txt') return extension;
  throw new HttpError(400, 'invalid_format', 'Invalid format: use json, opml or txt');
}

/** The list in the format of the path (mygpo/api/simple.py `format_podcast_list`). */
export function sendList(reply: FastifyReply, format: Format, feeds: { feedUrl: string; title: string | null }[], json: () => unknown, title: string): FastifyReply {
  if (format === 'txt') return reply.type('text/plain; charset=utf-8').send(feeds.map((feed) => `${feed.feedUrl}\n`).join(''));
  if (format === 'opml') {
    const document = exportOpml({ title, createdAt: new Date(), feeds: feeds.map((feed) => ({ url: feed.feedUrl, ...(feed.title ? { title: feed.title } : {}) })) });
    return reply.type('text/xml; charset=utf-8').send(document);
  }
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(json()));
}

/** A list as uploaded to the simple API: `txt` one URL a line, `json` an array of URLs, `opml` a document. */
function parseList(format: Format, body: string): string[] {
  let urls: string[];
  if (format === 'txt') urls = body.split('\n');
  else if (format === 'opml') {
    try {
      urls = parseOpml(body).feeds.map((feed) => feed.url);
    } catch (error) {
      if (error instanceof OpmlError) throw new HttpError(400, 'invalid_opml', error.message);
      throw error;
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.trim() === '' ? '[]' : body);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body is not a JSON list of URLs');
    }
    if (!Array.isArray(parsed) || parsed.some((entry) => typeof entry !== 'string')) throw new HttpError(400, 'invalid_json', 'The body is not a JSON list of URLs');
    urls = parsed as string[];
  }
  const normalized = new Set<string>();
  for (const url of urls) {
    if (url.trim() === '') continue;
    const feedUrl = tryNormalizeFeedUrl(url);
    if (!feedUrl) throw new HttpError(400, 'invalid_feed_url', `Not a usable feed URL: ${url.slice(0, 200)}`);
    normalized.add(feedUrl);
  }
  return [...normalized];
}

/** The simple API: `/subscriptions/{username}/{deviceid}.{format}` and `/subscriptions/{username}.{format}`. */
export const gpodderSimpleRoutes: FastifyPluginAsyncTypebox<{ sync: GpodderSubscriptionSync }> = async (app, { sync }) => {
  const DeviceParams = Type.Object({ username: Type.String(), deviceFile: Type.String() });

  app.get(
    '/subscriptions/:username/:deviceFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: "gpodder.net simple API: the subscription list (the account's: one sync group)",
        description: '`{deviceFile}` is `{deviceId}.json`, `.opml` or `.txt`.',
        params: DeviceParams,
      },
    },
    async (request, reply) => {
      const { userId, username } = accountFor(request, request.params.username);
      const { name, extension } = splitExtension(request.params.deviceFile);
      const format = formatOf(extension);
      checkDeviceId(name);
      const feeds = await sync.current(userId);
      return sendList(reply, format, feeds, () => feeds.map((feed) => feed.feedUrl), `Subscriptions of ${username}`);
    },
  );

  app.put(
    '/subscriptions/:username/:deviceFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net simple API: replace the subscription list',
        description: 'Body in the format of the extension (any content type). Subscribes what is new, unsubscribes what is missing; answers 200 with an empty body.',
        params: DeviceParams,
      },
    },
    async (request, reply) => {
      const { userId } = accountFor(request, request.params.username);
      const { name, extension } = splitExtension(request.params.deviceFile);
      const format = formatOf(extension);
      const deviceId = checkDeviceId(name);
      await sync.replace(userId, deviceId, parseList(format, textBody(request)));
      // "Only an empty response is a successful response" (mygpo/api/simple.py).
      return reply.code(200).type('text/plain').send('');
    },
  );

  app.get(
    '/subscriptions/:userFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net simple API: all subscriptions of the account',
        description: '`{userFile}` is `{username}.json`, `.opml` or `.txt`; JSON gives podcast objects.',
        params: Type.Object({ userFile: Type.String() }),
      },
    },
    async (request, reply) => {
      const { name, extension } = splitExtension(request.params.userFile);
      const { userId, username } = accountFor(request, name);
      const format = formatOf(extension);
      const feeds = await sync.current(userId);
      const podcasts = () => feeds.map((feed) => podcastData(feed.feedUrl, 0, feed.title ? { title: feed.title } : {}));
      return sendList(reply, format, feeds, podcasts, `Subscriptions of ${username}`);
    },
  );
};
