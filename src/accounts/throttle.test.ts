import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { TokenBuckets } from '../http/request-limits.js';
import { basic } from '../../test/support/http.js';

// Windows are aligned on multiples of their length: a long one cannot roll over mid-test.
const LONG_WINDOW = 10 * 365 * 86_400_000;

describe('token buckets', () => {
  it('allow a burst, then refill at their rate', () => {
    let now = 0;
    const buckets = new TokenBuckets(3, 1, 10, () => now);
    assert.deepEqual([1, 2, 3].map(() => buckets.take('a').allowed), [true, true, true]);
    assert.deepEqual(buckets.take('a'), { allowed: false, retryAfterSeconds: 1 });
    assert.equal(buckets.take('b').allowed, true, 'keys are independent');
    now += 1000;
    assert.equal(buckets.take('a').allowed, true);
    assert.equal(buckets.take('a').allowed, false);
  });
});

describeEachDriver('login throttling', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current(), {
      loginRules: {
        perAccount: { limit: 3, windowMs: LONG_WINDOW },
        perAddress: { limit: 12, windowMs: LONG_WINDOW },
        tokenPerAddress: { limit: 2, windowMs: LONG_WINDOW },
      },
      requestLimits: { burst: 40, perSecond: 0.01 },
    });
    await server.app.ready();
    await server.accounts.register('alice', 'alice password');
    await server.accounts.register('bob', 'bob password', { bypassRegistrationMode: true });
  });
  after(async () => server?.app.close());

  const me = (authorization: string) => server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });

  it('locks out an account after repeated failures, the same way for a name that does not exist', async () => {
    // A device that already signed in keeps working during a lockout.
    assert.equal((await me(basic('alice', 'alice password'))).statusCode, 200);
    for (const name of ['alice', 'ghost']) {
      for (let i = 0; i < 3; i++) assert.equal((await me(basic(name, `wrong ${i}`))).statusCode, 401);
    }
    const alice = await me(basic('alice', 'still wrong'));
    const ghost = await me(basic('ghost', 'still wrong'));
    assert.equal(alice.statusCode, 429);
    assert.ok(Number(alice.headers['retry-after']) > 0);
    assert.deepEqual([ghost.statusCode, ghost.json()], [alice.statusCode, alice.json()], 'no difference between a real and an unknown account');
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: 'other password' } });
    assert.equal(login.statusCode, 429);
    assert.equal((await me(basic('alice', 'alice password'))).statusCode, 200, 'the remembered good credentials still pass');
    assert.equal((await me(basic('bob', 'bob password'))).statusCode, 200, 'other accounts are not affected');
  });

  it('locks out an address that fails on many accounts, but not one whose logins succeed', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await me(basic('bob', 'bob password'))).statusCode, 200);
    // perAddress is 12 failures; those above on alice and ghost (and the refused ones) count.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await me(basic(`user${i}`, 'guess'))).statusCode);
    const first429 = statuses.indexOf(429);
    assert.ok(first429 > 0 && first429 <= 6, statuses.join(','));
    assert.ok(statuses.slice(first429).every((status) => status === 429), statuses.join(','));
    assert.equal((await me(basic('bob', 'bob password'))).statusCode, 200, 'cached good credentials still pass');
  });

  it('counts parallel guesses before checking them, so a burst cannot exceed the limit', async () => {
    const carol = await server.accounts.register('carol', 'carol password', { bypassRegistrationMode: true });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => server.accounts.authenticatePassword('carol', `guess ${i}`, { address: `10.9.9.${i}` })),
    );
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    assert.equal(refused, 12 - 3, 'only the first 3 (the per-account limit) were even checked');
    assert.ok(carol.userId);
  });

  it('refuses a NUL in a username as an unknown account, not an error', async () => {
    const response = await me(`Basic ${Buffer.from('a\u0000b:x').toString('base64')}`);
    assert.ok([401, 429].includes(response.statusCode), String(response.statusCode));
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'a\u0000b', password: 'x' } });
    assert.ok([401, 429].includes(login.statusCode), String(login.statusCode));
  });

  it('limits credential-minting requests per client address', async () => {
    const create = () => server.app.inject({ method: 'POST', url: '/api/v1/me/app-passwords', headers: { authorization: basic('bob', 'bob password') }, payload: { label: 'x' } });
    assert.equal((await create()).statusCode, 201);
    assert.equal((await create()).statusCode, 201);
    const third = await create();
    assert.equal(third.statusCode, 429);
    assert.equal(third.json().error.code, 'too_many_attempts');
  });

  it('limits the request rate of one credential', async () => {
    const token = await server.accounts.createPersonalToken((await server.accounts.findByUsername('bob'))!.userId, 'busy', ['*'], null);
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await me(`Bearer ${token.secret}`)).statusCode);
    assert.equal(statuses.filter((status) => status === 200).length, 40);
    assert.equal(statuses.at(-1), 429);
  });
});
