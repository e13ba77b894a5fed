import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { newListener } from '../../../test/support/api.js';
import { derivedFeedGuid } from '../../subscriptions/feed-guid.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { MAX_SUBSCRIPTIONS } from '../../subscriptions/subscription-decider.js';

const OPA = '/opa/v1';

// A file of its own: filling an account to its limit takes ten thousand events.
describeEachDriver('Open Podcast API: a PATCH is all or nothing', (current) => {
  let server: TestServer;

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  const listener = () => newListener(server.app, server.accounts, 'opafull');

  it('a PATCH moving a feed and subscribing it that cannot subscribe it changes nothing, the move included', async () => {
    const { phone } = await listener();
    const guid = derivedFeedGuid('https://full.example/old');
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://full.example/old' }] });
    await phone.patch(`${OPA}/subscriptions/${guid}`, { is_subscribed: false });
    // The account at its limit of subscriptions: subscribing one more is refused.
    const changes = Array.from({ length: MAX_SUBSCRIPTIONS }, (_, n) => ({ feedUrl: `https://full.example/${n}`, subscribed: true }));
    assert.equal((await phone.post('/api/v1/subscriptions/changes', { changes })).status, 200);
    const refused = await phone.patch(`${OPA}/subscriptions/${guid}`, { new_feed_url: 'https://full.example/new', is_subscribed: true });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'too_many_subscriptions');
    const one = await phone.get(`${OPA}/subscriptions/${guid}`);
    assert.deepEqual([one.body.feed_url, one.body.is_subscribed], ['https://full.example/old', false]);
    assert.equal((await phone.get(`/api/v1/subscriptions/${encodeFeedId('https://full.example/new')}`)).status, 404);
  });
});
