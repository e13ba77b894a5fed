import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { spec } from '../../../test/support/specification.js';
import { DomainError } from '../../domain/decider.js';
import { deviceDecider } from './device-decider.js';

describe('device decider', () => {
  it('creates a device on first use and records only real changes', () => {
    spec(deviceDecider).given([]).when({ kind: 'saveDevice', deviceId: 'phone' }).then([{ type: 'DeviceRegistered', data: { deviceId: 'phone', caption: '', deviceType: 'other' } }]);
    const registered = { type: 'DeviceRegistered' as const, data: { deviceId: 'phone', caption: 'Pixel', deviceType: 'mobile' as const } };
    spec(deviceDecider).given([registered]).when({ kind: 'saveDevice', deviceId: 'phone' }).thenNothing();
    spec(deviceDecider).given([registered]).when({ kind: 'saveDevice', deviceId: 'phone', caption: 'Pixel' }).thenNothing();
    spec(deviceDecider)
      .given([registered])
      .when({ kind: 'saveDevice', deviceId: 'phone', caption: 'Pixel 9' })
      .then([{ type: 'DeviceUpdated', data: { deviceId: 'phone', caption: 'Pixel 9', deviceType: 'mobile' } }]);
    spec(deviceDecider).given([]).when({ kind: 'saveDevice', deviceId: 'no spaces allowed' }).thenThrows(DomainError, /Device ids/);
  });
});

describeEachDriver('devices', (current) => {
  let server: TestServer;
  let auth: string;
  before(async () => {
    server = await createTestServer(current());
    await server.app.ready();
    await server.accounts.register('alice', 'alice password');
    auth = `Basic ${Buffer.from('alice:alice password').toString('base64')}`;
  });
  after(async () => server?.app.close());

  it('creates, renames and lists devices; ensure() creates a device once, even when raced', async () => {
    const created = await server.app.inject({ method: 'PUT', url: '/api/v1/devices/laptop-1', headers: { authorization: auth }, payload: { caption: 'Work laptop', type: 'laptop' } });
    assert.equal(created.statusCode, 200);
    assert.equal(created.json().caption, 'Work laptop');
    const renamed = await server.app.inject({ method: 'PUT', url: '/api/v1/devices/laptop-1', headers: { authorization: auth }, payload: { caption: 'Old laptop' } });
    assert.deepEqual([renamed.json().caption, renamed.json().type], ['Old laptop', 'laptop']);
    const userId = (await server.accounts.findByUsername('alice'))!.userId;
    await Promise.all([1, 2, 3].map(() => server.devices.ensure(userId, 'phone')));
    const listed = await server.app.inject({ method: 'GET', url: '/api/v1/devices', headers: { authorization: auth } });
    assert.deepEqual(listed.json().map((d: { id: string; type: string }) => [d.id, d.type]), [['laptop-1', 'laptop'], ['phone', 'other']]);
    const events = await server.store.readStream(`devices-${userId}`);
    assert.deepEqual(events.events.map((event) => event.type), ['DeviceRegistered', 'DeviceUpdated', 'DeviceRegistered']);
    assert.equal(events.events[2]!.metadata.deviceId, 'phone', 'the event carries its device');
    const bad = await server.app.inject({ method: 'PUT', url: '/api/v1/devices/bad%20id', headers: { authorization: auth }, payload: {} });
    assert.equal(bad.statusCode, 400);
    const badType = await server.app.inject({ method: 'PUT', url: '/api/v1/devices/tv', headers: { authorization: auth }, payload: { type: 'television' } });
    assert.equal(badType.statusCode, 400);
  });
});
