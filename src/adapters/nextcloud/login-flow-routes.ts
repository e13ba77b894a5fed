import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AccountService } from '../../accounts/account-service.js';
import { DomainError } from '../../domain/decider.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { throttleAddress } from '../../http/request-limits.js';
import { clientName, type LoginFlows } from './login-flows.js';

export const LOGIN_FLOW_PATH = '/index.php/login/v2';
export const LOGIN_PAGE_PATH = `${LOGIN_FLOW_PATH}/flow`;

export interface LoginFlowOptions {
  flows: LoginFlows;
  accounts: AccountService;
  /** The instance's public URL: what the app will call from now on (`server`). */
  baseUrl: string;
}

const TOKEN = Type.String({ maxLength: 200, description: 'The `poll.token` of the flow.' });

/**
 * Nextcloud Login Flow v2, the app's side (Nextcloud developer manual, "Login flow v2"; AntennaPod
 * `NextcloudLoginFlow`): start, then poll until the user has granted access in the browser.
 * Both are anonymous (`ignoreCredentials`: a browser's session cookie must not bring the CSRF
 * check into an app's requests); the poll token is the proof.
 */
export const loginFlowRoutes: FastifyPluginAsyncTypebox<LoginFlowOptions> = async (app, { flows, accounts, baseUrl }) => {
  const base = baseUrl.replace(/\/+$/, '');
  // Nextcloud reads these requests whatever their body: an empty one declared as JSON included.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, null);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new HttpError(400, 'invalid_json', 'The request body is not valid JSON'), undefined);
    }
  });

  app.post(
    LOGIN_FLOW_PATH,
    {
      config: { ignoreCredentials: true },
      preHandler: throttleAddress(accounts.throttle, 'nextcloud-login-flow', accounts.throttle.rules.tokenPerAddress),
      schema: {
        tags: ['nextcloud'],
        summary: 'Nextcloud Login Flow v2: start a sign-in (anonymous)',
        description:
          'Open `login` in a browser: the user signs in and grants access to the app named by this request\'s User-Agent. Then poll `poll.endpoint` with ' +
          '`token=<poll.token>` (form-encoded). The flow expires after 20 minutes. Limited per client address.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        response: {
          200: Type.Object({ poll: Type.Object({ token: Type.String(), endpoint: Type.String() }), login: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const flow = await flows.start(clientName(request.headers['user-agent']));
      return {
        poll: { token: flow.pollToken, endpoint: `${base}${LOGIN_FLOW_PATH}/poll` },
        login: `${base}${LOGIN_PAGE_PATH}/${flow.loginToken}`,
      };
    },
  );

  app.post(
    `${LOGIN_FLOW_PATH}/poll`,
    {
      config: { ignoreCredentials: true },
      schema: {
        tags: ['nextcloud'],
        summary: 'Nextcloud Login Flow v2: poll for the app password (anonymous)',
        description:
          '`404` until the user has granted access; then, once, `server` (the address to use from now on), `loginName` and `appPassword` ' +
          '(an app password named after the app, listed on the account page). The token may come in the form body, a JSON body or the query.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        querystring: Type.Object({ token: Type.Optional(TOKEN) }),
        body: Type.Union([Type.Object({ token: Type.Optional(TOKEN) }), Type.Null()]),
        response: { 200: Type.Object({ server: Type.String(), loginName: Type.String(), appPassword: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const token = request.body?.token ?? request.query.token;
      const notYet = new HttpError(404, 'not_found', 'No access granted for this token (yet): keep polling until the flow expires');
      const redeemed = token ? await flows.redeem(token) : undefined;
      if (!token || !redeemed) throw notYet;
      const account = await accounts.findById(redeemed.userId);
      // The account went away or was disabled meanwhile: the flow is spent, like a refusal.
      if (!account || account.disabled) throw notYet;
      let secret: string;
      try {
        secret = (await accounts.createAppPassword(redeemed.userId, redeemed.clientName)).secret;
      } catch (error) {
        if (error instanceof DomainError) throw notYet;
        // Not recorded (database trouble): the app's next poll tries again.
        await flows.unredeem(token);
        throw error;
      }
      reply.header('cache-control', 'no-store');
      return { server: base, loginName: account.username, appPassword: secret };
    },
  );
};
