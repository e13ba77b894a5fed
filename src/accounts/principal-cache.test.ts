import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeEachDriver } from '../../test/support/databases.js';
import { prepareProjections } from '../projections/startup.js';
import { EventStore } from '../store/event-store.js';
import type { ChannelHandlers, Database } from '../store/sql.js';
import { AccountService } from './account-service.js';
import { accountsProjector } from './accounts-projector.js';
import { AccountEraser } from './erasure.js';
import type { Principal } from './principal.js';
import { PrincipalCache } from './principal-cache.js';

/** Notifications reach another process a moment after the commit: wait for it, boundedly. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within 3 s: ${what}`);
    await sleep(10);
  }
}

describeEachDriver('credentials remembered across processes', (current, driver) => {
  let here: AccountService;
  let there: AccountService;
  let thereDb: Database;
  let hereStore: EventStore;

  beforeEach(async () => {
    const { db } = current();
    await db.exec('DELETE FROM events; DELETE FROM streams; DELETE FROM projection_checkpoints; DELETE FROM user_sequences');
    const projector = accountsProjector();
    hereStore = new EventStore(db, { inlineProjectors: [projector] });
    await prepareProjections(db, hereStore, [projector]);
    // "There" is another server process: its own connections, its own memory.
    thereDb = current().connect();
    here = new AccountService(hereStore, { registration: 'open' });
    there = new AccountService(new EventStore(thereDb, { inlineProjectors: [accountsProjector()] }), { registration: 'open' });
    await here.watchCredentials();
    await there.watchCredentials();
  });

  afterEach(async () => {
    await here.stopWatchingCredentials();
    await there.stopWatchingCredentials();
    await thereDb.close();
  });

  async function appPassword(): Promise<{ userId: string; secret: string }> {
    const account = await here.register('alice', 'correct horse');
    const { secret } = await here.createAppPassword(account.userId, 'phone');
    // Until the account's own creation is heard there, a lookup begun before it is not kept.
    await eventually(async () => {
      const first = await there.authenticatePassword('alice', secret);
      return first !== undefined && (await there.authenticatePassword('alice', secret)) === first;
    }, 'the new account heard of');
    return { userId: account.userId, secret };
  }

  it('answers a credential presented again from memory', async () => {
    const { secret } = await appPassword();
    const first = await there.authenticatePassword('alice', secret);
    assert.equal(first?.username, 'alice');
    // The same object: no lookup was made the second time.
    assert.equal(await there.authenticatePassword('alice', secret), first);
    assert.equal(await there.authenticateSecret(secret), await there.authenticateSecret(secret));
    assert.equal(there.principals.size, 2);
    assert.equal(await there.authenticatePassword('alice', 'not the password'), undefined);
    assert.equal(there.principals.size, 2, 'failures are never remembered');
  });

  it('refuses an app password everywhere once its revocation commits', async () => {
    const { userId, secret } = await appPassword();
    const credentialId = (await here.listCredentials(userId))[0]!.id;
    assert.ok(await there.authenticatePassword('alice', secret));
    assert.ok(await there.authenticateSecret(secret));
    await here.revokeCredential(userId, credentialId);
    await eventually(async () => (await there.authenticatePassword('alice', secret)) === undefined, 'Basic refused after revocation');
    assert.equal(await there.authenticateSecret(secret), undefined);
  });

  it('refuses the old password everywhere once it changes, and a disabled account', async () => {
    const { userId, secret } = await appPassword();
    assert.ok(await there.authenticatePassword('alice', 'correct horse'));
    await here.setPassword(userId, 'battery staple');
    await eventually(async () => (await there.authenticatePassword('alice', 'correct horse')) === undefined, 'old password refused');
    assert.ok(await there.authenticatePassword('alice', 'battery staple'));
    assert.ok(await there.authenticatePassword('alice', secret));
    await here.disable(userId);
    await eventually(async () => (await there.authenticatePassword('alice', secret)) === undefined, 'disabled account refused');
    assert.equal(await there.authenticatePassword('alice', 'battery staple'), undefined);
  });

  it('forgets an erased account everywhere', async () => {
    const { userId, secret } = await appPassword();
    assert.ok(await there.authenticatePassword('alice', secret));
    await new AccountEraser(hereStore, [accountsProjector()]).erase(userId);
    await eventually(async () => (await there.authenticatePassword('alice', secret)) === undefined, 'erased account refused');
  });

  it('does not remember a lookup that began before an account change was heard', async () => {
    const { userId, secret } = await appPassword();
    const principal = (await here.authenticateSecret(secret)) as Principal;
    const began = here.principals.begin();
    here.principals.forgetUser(userId);
    const key = here.principals.keyOf('late', '', secret);
    here.principals.remember(key, principal, began);
    assert.equal(here.principals.get(key), undefined);
    here.principals.remember(key, principal, here.principals.begin());
    assert.equal(here.principals.get(key), principal);
  });

  it('remembers nothing while it is not listening', async () => {
    const { secret } = await appPassword();
    await there.stopWatchingCredentials();
    assert.equal(there.principals.size, 0);
    const first = await there.authenticatePassword('alice', secret);
    assert.ok(first);
    assert.notEqual(await there.authenticatePassword('alice', secret), first);
    assert.equal(there.principals.size, 0);
  });

  // PGlite listens in-process: there is no connection to lose.
  if (driver === 'postgres') it('stops trusting itself when its listening connection drops, and resumes once back', async () => {
    const { secret } = await appPassword();
    assert.ok(await there.authenticatePassword('alice', secret));
    assert.equal(there.principals.size, 1);
    await current().db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query = 'LISTEN "balados_credentials"' AND application_name = 'balados-sync'`,
    );
    await eventually(async () => there.principals.size === 0, 'cache cleared when the connection drops');
    const during = await there.authenticatePassword('alice', secret);
    await eventually(async () => {
      const again = await there.authenticatePassword('alice', secret);
      return again !== undefined && (await there.authenticatePassword('alice', secret)) === again && again !== during;
    }, 'remembering again after reconnecting');
  });
});

// The listening connection's state is driven by hand here: the window between a drop and the
// reconnection cannot be timed against a real server.
it('does not remember a lookup that began while deaf, once listening again', async () => {
  let handlers: ChannelHandlers | undefined;
  const db = {
    listen: async (_channel: string, given: ChannelHandlers) => {
      handlers = given;
      given.ready();
      return { stop: async () => {} };
    },
  } as unknown as Database;
  const cache = new PrincipalCache();
  await cache.watch(db);
  const principal: Principal = { userId: 'u', username: 'alice', admin: false, via: 'app_password', scopes: ['*'], credentialId: 'c', deviceId: null };
  const key = cache.keyOf('basic', 'alice', 'secret');
  handlers!.lost();
  // A lookup begins while notifications are missed: its answer may predate a revocation never heard.
  const began = cache.begin();
  handlers!.ready();
  cache.remember(key, principal, began);
  assert.equal(cache.get(key), undefined);
  cache.remember(key, principal, cache.begin());
  assert.equal(cache.get(key), principal);
  await cache.stop();
});
