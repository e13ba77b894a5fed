import { applicationProjectors } from '../app/projectors.js';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { errorResponses } from './openapi.js';
import { HttpError } from './errors.js';
import { DomainError } from '../domain/decider.js';

describeEachDriver('HTTP server', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current(), { env: { BODY_LIMIT: '2048' } });
    const { app } = server;
    app.post(
      '/test/echo',
      {
        schema: {
          body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ name: Type.String(), count: Type.Integer() }), ...errorResponses },
        },
      },
      async (request) => request.body,
    );
    app.get('/test/teapot', async () => {
      throw new HttpError(418, 'teapot', 'I am a teapot');
    });
    app.get('/test/refused', async () => {
      throw new DomainError('not_subscribed', 'You are not subscribed to this podcast', 404);
    });
    app.get('/test/crash', async () => {
      throw new Error('database password is hunter2');
    });
    await app.ready();
  });
  after(async () => server?.app.close());

  function assertErrorShape(body: unknown, code: string): void {
    const error = (body as { error: { code: string; message: string } }).error;
    assert.equal(error.code, code);
    assert.equal(typeof error.message, 'string');
    assert.ok(error.message.length > 0);
  }

  it('answers /healthz and /readyz with the database, migrations and projections', async () => {
    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'ok');
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    const body = ready.json();
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.database.ok, true);
    assert.equal(body.checks.database.driver, current().driver);
    assert.deepEqual(body.checks.migrations.pending, []);
    assert.ok(body.checks.migrations.applied >= 2);
    assert.deepEqual(body.checks.projections.map((p: { name: string }) => p.name), applicationProjectors().map((projector) => projector.name));
  });

  it('reports async projection lag in /readyz without failing readiness', async () => {
    await server.store.appendToStream('lagging', [{ type: 'Something', data: {} }, { type: 'Something', data: {} }]);
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    const projection = ready.json().checks.projections.find((p: { name: string }) => p.name === 'event_type_counts');
    assert.equal(projection.lag, 2);
    assert.equal(projection.state, 'catching_up');
  });

  it('serves the OpenAPI 3.1 document and the interactive docs page', async () => {
    const doc = await server.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(doc.statusCode, 200);
    const spec = doc.json();
    assert.equal(spec.openapi, '3.1.0');
    assert.ok(spec.paths['/healthz'].get);
    assert.ok(spec.paths['/readyz'].get.responses['503']);
    assert.ok(spec.components.schemas.ErrorResponse, 'the shared error schema is a named component');
    assert.equal(spec.paths['/api/openapi.json'], undefined, 'the document does not list itself');
    const page = await server.app.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /swagger/i);
  });

  it('answers bad JSON, wrong types, unknown routes and oversize bodies with 4xx and the error shape', async () => {
    const cases = [
      { payload: '{"name": "x",', status: 400, code: 'invalid_json' },
      { payload: '{"name": "x", "count": -1}', status: 400, code: 'validation_failed' },
      { payload: '{"name": "x", "count": 1, "extra": true}', status: 400, code: 'validation_failed' },
      { payload: '[]', status: 400, code: 'validation_failed' },
      { payload: JSON.stringify({ name: 'x'.repeat(4000), count: 1 }), status: 413, code: 'payload_too_large' },
    ];
    for (const c of cases) {
      const response = await server.app.inject({ method: 'POST', url: '/test/echo', payload: c.payload, headers: { 'content-type': 'application/json' } });
      assert.equal(response.statusCode, c.status, c.payload.slice(0, 40));
      assertErrorShape(response.json(), c.code);
    }
    const empty = await server.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' } });
    assert.equal(empty.statusCode, 400);
    assertErrorShape(empty.json(), 'invalid_json');
    const wrongType = await server.app.inject({ method: 'POST', url: '/test/echo', payload: 'hello', headers: { 'content-type': 'application/x-unknown' } });
    assert.equal(wrongType.statusCode, 415);
    assertErrorShape(wrongType.json(), 'unsupported_media_type');
    const missing = await server.app.inject({ method: 'GET', url: '/no/such/route' });
    assert.equal(missing.statusCode, 404);
    assertErrorShape(missing.json(), 'not_found');
    const ok = await server.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x', count: 2 } });
    assert.deepEqual(ok.json(), { name: 'x', count: 2 });
    const validation = await server.app.inject({ method: 'POST', url: '/test/echo', payload: { name: '', count: 1 } });
    assert.match(validation.json().error.details[0].path, /body\/name/);
  });

  it('maps handler errors: HttpError keeps its status, anything else is a 500 that leaks nothing', async () => {
    const teapot = await server.app.inject({ method: 'GET', url: '/test/teapot' });
    assert.equal(teapot.statusCode, 418);
    assertErrorShape(teapot.json(), 'teapot');
    const refused = await server.app.inject({ method: 'GET', url: '/test/refused' });
    assert.equal(refused.statusCode, 404);
    assertErrorShape(refused.json(), 'not_subscribed');
    const crash = await server.app.inject({ method: 'GET', url: '/test/crash' });
    assert.equal(crash.statusCode, 500);
    assert.deepEqual(crash.json(), { error: { code: 'internal_error', message: 'Internal server error' } });
  });

  it('tags every answer and log line with a request id, keeping a sane client-supplied one', async () => {
    const generated = await server.app.inject({ method: 'GET', url: '/healthz' });
    const id = generated.headers['x-request-id'] as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.ok(server.logs.some((line) => line.requestId === id));
    const supplied = await server.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'client-abc.123' } });
    assert.equal(supplied.headers['x-request-id'], 'client-abc.123');
    const hostile = await server.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b\u0000<script>' } });
    assert.notEqual(hostile.headers['x-request-id'], 'a b\u0000<script>');
  });

  it('exposes Prometheus metrics: requests by route, events appended, projection lag', async () => {
    await server.app.inject({ method: 'GET', url: '/healthz' });
    await server.store.appendToStream('metrics', [{ type: 'MetricsTest', data: {} }]);
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/plain/);
    assert.match(response.body, /balados_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} \d+/);
    assert.match(response.body, /balados_events_appended_total\{type="MetricsTest"\} 1/);
    assert.match(response.body, /balados_projection_lag_events\{projection="event_type_counts"\} [1-9]/);
    assert.match(response.body, /process_cpu_seconds_total/);
  });

  it('keeps credentials out of the logs', async () => {
    await server.app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer secret-token-value', cookie: 'session=secret-cookie' } });
    const text = JSON.stringify(server.logs);
    assert.ok(!text.includes('secret-token-value'));
    assert.ok(!text.includes('secret-cookie'));
  });
});
