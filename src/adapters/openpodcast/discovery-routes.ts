import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../http/openapi.js';
import { OPA_PREFIX, OPA_TAG } from './schemas.js';

/** The specification version implemented: every part of it is still marked "in progress" upstream. */
export const OPA_CORE_VERSION = '0.1.0';

/** `GET /v1/versions` and `GET /v1/capabilities`: public, so that an app can probe before signing in. */
export const opaDiscoveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    `${OPA_PREFIX}/versions`,
    {
      schema: {
        tags: [OPA_TAG],
        summary: 'Open Podcast API: the major versions served, each as v<major>.<highest minor>',
        response: { 200: Type.Object({ versions: Type.Array(Type.String()) }), ...errorResponses },
      },
    },
    async () => ({ versions: ['v1.0'] }),
  );

  app.get(
    `${OPA_PREFIX}/capabilities`,
    {
      schema: {
        tags: [OPA_TAG],
        summary: 'Open Podcast API: the features served and how stable they are',
        response: {
          200: Type.Object({
            capabilities: Type.Record(Type.String(), Type.Record(Type.String(), Type.Object({ status: Type.Union([Type.Literal('STABLE'), Type.Literal('UNSTABLE'), Type.Literal('DEPRECATED')]) }))),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({ capabilities: { 'urn:opa:core': { [OPA_CORE_VERSION]: { status: 'UNSTABLE' as const } } } }),
  );
};
