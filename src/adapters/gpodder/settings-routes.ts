import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { SETTING_SCOPES, type Settings, type SettingScope, type SettingSubject } from '../../settings/settings-decider.js';
import type { SettingsService } from '../../settings/settings-service.js';
import type { Sql } from '../../store/sql.js';
import type { EpisodeSettings } from './episode-favorite.js';
import { accountFor, checkDeviceId, episodeUrlParam, feedUrlParam, jsonBody, jsonName } from './requests.js';
import { checkKnownDevice } from './sync-device-routes.js';

const Params = Type.Object({ username: Type.String(), scopeFile: Type.String() });
const Query = Type.Object({ device: Type.Optional(Type.String()), podcast: Type.Optional(Type.String()), episode: Type.Optional(Type.String()) });
const SettingsObject = Type.Record(Type.String(), Type.Unknown(), { description: "The scope's settings: any JSON values under keys." });

/** The subject a request names: its scope (the path) and the query parameters that scope needs. */
async function subjectOf(db: Sql, userId: string, scopeFile: string, query: { device?: string; podcast?: string; episode?: string }): Promise<SettingSubject> {
  const scope = jsonName(scopeFile);
  if (!(SETTING_SCOPES as readonly string[]).includes(scope)) throw new HttpError(400, 'invalid_scope', `The scope is one of ${SETTING_SCOPES.join(', ')}`);
  switch (scope as SettingScope) {
    case 'account':
      return { scope: 'account' };
    case 'device': {
      if (query.device === undefined) throw new HttpError(400, 'invalid_device_id', 'device= names the device');
      const deviceId = checkDeviceId(query.device);
      await checkKnownDevice(db, userId, deviceId);
      return { scope: 'device', deviceId };
    }
    case 'podcast':
      return { scope: 'podcast', feedUrl: feedUrlParam(query.podcast, 'podcast') };
    case 'episode':
      return { scope: 'episode', feedUrl: feedUrlParam(query.podcast, 'podcast'), episodeUrl: episodeUrlParam(query.episode, 'episode') };
  }
}

function changesOf(body: unknown): { set: Settings; remove: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'The body is a JSON object: { "set": { key: value }, "remove": [key] }');
  const { set = {}, remove = [] } = body as { set?: unknown; remove?: unknown };
  if (typeof set !== 'object' || set === null || Array.isArray(set)) throw new HttpError(400, 'invalid_body', '"set" is an object of keys and values');
  if (!Array.isArray(remove) || remove.some((key) => typeof key !== 'string')) throw new HttpError(400, 'invalid_body', '"remove" is a list of keys');
  return { set: set as Settings, remove: remove as string[] };
}

/**
 * `GET|POST /api/2/settings/{username}/{scope}.json` (mygpo/api/advanced/settings.py). The values
 * are the apps' own: kept as given, bounded in size (src/settings), except an episode's
 * `is_favorite`, which is its saved flag (episode-favorite.ts).
 */
export const gpodderSettingsRoutes: FastifyPluginAsyncTypebox<{ settings: SettingsService; episodes: EpisodeSettings; db: Sql }> = async (app, { settings, episodes, db }) => {
  const description =
    '`{scopeFile}` is `account.json`, `device.json` (with `?device=`), `podcast.json` (`?podcast=` feed URL) or `episode.json` (`?podcast=&episode=` media URL).';
  app.get(
    '/api/2/settings/:username/:scopeFile',
    {
      config: { auth: {} },
      schema: { tags: ['gpodder'], summary: 'gpodder.net: the settings of a scope', description, params: Params, querystring: Query, response: { 200: SettingsObject, ...errorResponses } },
    },
    async (request) => {
      const { userId } = accountFor(request, request.params.username);
      const subject = await subjectOf(db, userId, request.params.scopeFile, request.query);
      return subject.scope === 'episode' ? episodes.get(userId, subject) : settings.get(userId, subject);
    },
  );

  app.post(
    '/api/2/settings/:username/:scopeFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: set and remove settings of a scope',
        description: `${description} Body \`{ "set": { key: value }, "remove": [key] }\` (JSON, any content type); answers the scope's settings afterwards.`,
        params: Params,
        querystring: Query,
        response: { 200: SettingsObject, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, request.params.username);
      const subject = await subjectOf(db, userId, request.params.scopeFile, request.query);
      const changes = changesOf(jsonBody(request) ?? {});
      return subject.scope === 'episode' ? episodes.change(userId, subject, changes) : settings.change(userId, subject, changes);
    },
  );
};
