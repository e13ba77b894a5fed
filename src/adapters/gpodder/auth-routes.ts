import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { accountFor, setSessionCookie } from './requests.js';
import { GPODDER_COOKIE, type GpodderSessions } from './sessions.js';

const Username = Type.Object({ username: Type.String() });

/** `POST /api/2/auth/{username}/login.json` and `logout.json` (mygpo/api/advanced/auth.py). */
export const gpodderAuthRoutes: FastifyPluginAsyncTypebox<{ sessions: GpodderSessions; secureCookies: boolean }> = async (app, { sessions, secureCookies }) => {
  app.post(
    '/api/2/auth/:username/login.json',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: sign in (answers the `sessionid` cookie)',
        description: 'Body ignored, any content type. Basic credentials (password or app password) or a valid `sessionid` cookie.',
        params: Username,
      },
    },
    async (request, reply) => {
      accountFor(request, request.params.username);
      // A Basic request already got its cookie (requests.ts); one that came with its cookie keeps it, renewed.
      const cookie = request.cookies[GPODDER_COOKIE];
      if (!request.headers.authorization && cookie) setSessionCookie(reply, cookie, secureCookies);
      return reply.code(200).send();
    },
  );

  app.post(
    '/api/2/auth/:username/logout.json',
    {
      config: { auth: {} },
      schema: { tags: ['gpodder'], summary: 'gpodder.net: end the `sessionid` session', params: Username },
    },
    async (request, reply) => {
      accountFor(request, request.params.username);
      const cookie = request.cookies[GPODDER_COOKIE];
      if (cookie) await sessions.destroy(cookie);
      reply.clearCookie(GPODDER_COOKIE, { path: '/' });
      return reply.code(200).send();
    },
  );
};
