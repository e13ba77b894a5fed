import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { describeEachDriver } from '../../test/support/databases.js';
import { catchUpAsync } from '../../test/support/projectors.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { createDomainServices, type DomainServices } from '../app/domain-services.js';
import { DomainError } from '../domain/decider.js';
import { PRIVACY_LEVELS, type PrivacyLevel } from '../privacy/privacy-state.js';
import { directoryProjector } from './directory-projector.js';
import { countsFromReadModels, directoryCounts } from './testing/expected-counts.js';

/**
 * The directory mirrors the subscription and privacy registers with their own latest-wins
 * rules: whatever the changes (late arrivals with older client times, moves, cleared
 * overrides), once caught up its counts are those the per-user read models imply through the
 * privacy context's own rule.
 */
const T0 = Date.UTC(2026, 0, 1);
const USERS = 3;
const FEEDS = 2;

type Op =
  | { kind: 'subscription'; user: number; feed: number; subscribed: boolean; offset: number }
  | { kind: 'default'; user: number; level: PrivacyLevel; offset: number }
  | { kind: 'podcast'; user: number; feed: number; level: PrivacyLevel | null; offset: number }
  | { kind: 'move'; user: number; from: number; to: number }
  // The projection catches up here: later changes land in another batch.
  | { kind: 'catchUp' };

const user = fc.integer({ min: 0, max: USERS - 1 });
const feed = fc.integer({ min: 0, max: FEEDS - 1 });
const offset = fc.integer({ min: 0, max: 100 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('subscription' as const), user, feed, subscribed: fc.boolean(), offset }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('default' as const), user, level: fc.constantFrom(...PRIVACY_LEVELS), offset }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('podcast' as const), user, feed, level: fc.constantFrom(...PRIVACY_LEVELS, null), offset }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), user, from: feed, to: feed }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'catchUp' as const }) },
);

describeEachDriver('podcast directory convergence', (current) => {
  let server: TestServer;
  let services: DomainServices;
  const projector = directoryProjector();
  let run = 0;
  // The same accounts in every run (registering is slow on purpose): their defaults carry over, which the property allows.
  const users: string[] = [];

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' } });
    services = createDomainServices(server.store);
    for (let n = 0; n < USERS; n++) users.push((await server.accounts.register(`convergence${n}`, 'convergence password')).userId);
  });
  after(async () => server?.app.close());

  it('agrees with the per-user read models after any changes, in any order of client times', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 16 }), async (ops) => {
        const prefix = `https://convergence-${++run}.example/`;
        const url = (n: number) => `${prefix}feed${n}`;
        // Each run later than the previous ones: the accounts' defaults, which carry over, can still change.
        const at = (offset: number) => ({ clientTime: T0 + run * 1_000_000 + offset * 1000 });
        for (const change of ops) {
          if (change.kind === 'catchUp') {
            await catchUpAsync(current().db, server.store, projector);
            continue;
          }
          const userId = users[change.user]!;
          if (change.kind === 'subscription') await services.subscriptions.change(userId, [{ feedUrl: url(change.feed), subscribed: change.subscribed, ...at(change.offset) }]);
          else if (change.kind === 'default') await services.privacy.setDefault(userId, change.level, at(change.offset));
          else if (change.kind === 'podcast') await services.privacy.setPodcastLevel(userId, url(change.feed), change.level, at(change.offset));
          else {
            try {
              await services.moveFeed(userId, url(change.from), url(change.to));
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
            }
          }
        }
        await catchUpAsync(current().db, server.store, projector);
        assert.deepEqual(await directoryCounts(current().db, prefix), await countsFromReadModels(current().db, prefix));
      }),
      {
        numRuns: 40,
        // Changes that must move counts already made in an earlier batch: a feed move, a default.
        examples: [
          [
            [
              { kind: 'default', user: 0, level: 'public', offset: 0 },
              { kind: 'subscription', user: 0, feed: 0, subscribed: true, offset: 1 },
              { kind: 'catchUp' },
              { kind: 'move', user: 0, from: 0, to: 1 },
              { kind: 'catchUp' },
              { kind: 'default', user: 0, level: 'private', offset: 2 },
            ],
          ],
        ],
      },
    );
  });
});
