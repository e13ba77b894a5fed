import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { DomainError } from '../domain/decider.js';
import { prepareProjections } from '../projections/startup.js';
import { EventStore } from '../store/event-store.js';
import { AccountService } from './account-service.js';
import { accountsProjector } from './accounts-projector.js';
import { AccountEraser } from './erasure.js';

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof DomainError, String(error));
    assert.equal(error.code, code);
    return true;
  };
}

describeEachDriver('account service', (current) => {
  let service: AccountService;
  let closed: AccountService;
  let store: EventStore;
  beforeEach(async () => {
    const { db } = current();
    await db.exec('DELETE FROM events; DELETE FROM streams; DELETE FROM projection_checkpoints');
    const projector = accountsProjector();
    store = new EventStore(db, { inlineProjectors: [projector] });
    await prepareProjections(db, store, [projector]);
    service = new AccountService(store, { registration: 'open' });
    closed = new AccountService(store, { registration: 'closed' });
  });

  it('makes the first account of an instance its administrator, and only that one', async () => {
    const [a, b, c] = await Promise.all([service.register('alice', 'correct horse'), service.register('bob', 'battery staple'), service.register('carol', 'password123')]);
    assert.deepEqual([a, b, c].filter((account) => account.admin).length, 1);
    const accounts = await service.list();
    assert.deepEqual(accounts.map((account) => account.username), ['alice', 'bob', 'carol']);
    assert.equal(accounts.filter((account) => account.admin).length, 1);
  });

  it('makes exactly one administrator however the first registrations interleave', async () => {
    const { db } = current();
    for (let round = 0; round < 15; round++) {
      await db.exec('DELETE FROM accounts; DELETE FROM account_credentials; DELETE FROM events; DELETE FROM streams; DELETE FROM user_sequences');
      const made = await Promise.all(['ann', 'ben', 'cid', 'dot', 'eve', 'fay'].map((name) => service.register(`${name}${round}`, 'correct horse battery')));
      assert.equal(made.filter((account) => account.admin).length, 1, `round ${round}`);
      const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE is_admin');
      assert.equal(Number(stored.rows[0]!.n), 1, `round ${round}: stored`);
    }
  });

  it('lets a new first account in after every account of the instance was erased', async () => {
    const first = await service.register('alice', 'correct horse');
    await new AccountEraser(store, [accountsProjector()]).erase(first.userId);
    const next = await closed.register('bob', 'battery staple');
    assert.equal(next.admin, true);
  });

  it('keeps usernames unique whatever their case, and validates them', async () => {
    await service.register('Alice', 'correct horse');
    await assert.rejects(service.register('alice', 'another password'), rejectsWith('username_taken'));
    await assert.rejects(service.register('ALICE', 'another password'), rejectsWith('username_taken'));
    await assert.rejects(service.register('a', 'correct horse'), rejectsWith('invalid_account'));
    await assert.rejects(service.register('has space', 'correct horse'), rejectsWith('invalid_account'));
    await assert.rejects(service.register('bob', 'short'), rejectsWith('invalid_account'));
    assert.equal((await service.findByUsername('ALICE'))?.username, 'Alice');
  });

  it('closes registration after the first account when the instance says so', async () => {
    const first = await closed.register('admin', 'correct horse');
    assert.equal(first.admin, true);
    await assert.rejects(closed.register('visitor', 'correct horse'), rejectsWith('registration_closed'));
    const added = await closed.register('friend', 'correct horse', { bypassRegistrationMode: true });
    assert.equal(added.admin, false);
  });

  it('authenticates passwords, remembers successes, and forgets them when the password changes', async () => {
    const alice = await service.register('alice', 'correct horse');
    assert.equal(await service.authenticatePassword('alice', 'wrong horse'), undefined);
    assert.equal(await service.authenticatePassword('nobody', 'correct horse'), undefined);
    assert.equal(service.cache.size, 0, 'failures are not remembered');
    const principal = await service.authenticatePassword('ALICE', 'correct horse');
    assert.deepEqual(principal, { userId: alice.userId, username: 'alice', admin: true, via: 'password', scopes: ['*'], credentialId: null, deviceId: null });
    assert.equal(service.cache.size, 1);
    assert.ok(await service.authenticatePassword('alice', 'correct horse'));
    await service.changePassword(alice.userId, 'correct horse', 'new password!');
    assert.equal(await service.authenticatePassword('alice', 'correct horse'), undefined, 'the remembered old password no longer works');
    assert.ok(await service.authenticatePassword('alice', 'new password!'));
    await assert.rejects(service.changePassword(alice.userId, 'correct horse', 'whatever123'), rejectsWith('wrong_password'));
  });

  it('accepts app passwords in place of the password, for their own account only, until revoked', async () => {
    const alice = await service.register('alice', 'correct horse');
    await service.register('bob', 'battery staple');
    const app = await service.createAppPassword(alice.userId, 'AntennaPod on my phone', 'phone');
    assert.match(app.secret, /^bap_[A-Za-z0-9_-]{43}$/);
    const principal = await service.authenticatePassword('alice', app.secret);
    assert.equal(principal?.via, 'app_password');
    assert.equal(principal?.deviceId, 'phone');
    assert.equal(await service.authenticatePassword('bob', app.secret), undefined);
    const listed = await service.listCredentials(alice.userId);
    assert.deepEqual(listed.map((c) => [c.id, c.kind, c.label]), [[app.id, 'app_password', 'AntennaPod on my phone']]);
    assert.ok(!JSON.stringify(listed).includes(app.secret));
    await service.revokeCredential(alice.userId, app.id);
    assert.equal(await service.authenticatePassword('alice', app.secret), undefined);
    assert.deepEqual(await service.listCredentials(alice.userId), []);
    await assert.rejects(service.revokeCredential(alice.userId, app.id), rejectsWith('credential_not_found'));
  });

  it('refuses an app password under a username that cannot exist (a NUL byte), rather than failing', async () => {
    const alice = await service.register('alice', 'correct horse');
    const app = await service.createAppPassword(alice.userId, 'phone');
    // HTTP Basic decodes to any bytes; PostgreSQL text cannot hold a NUL (the lookup would throw: a 500).
    for (const username of ['ali\u0000ce', 'alice\u0000', '\u0000']) assert.equal(await service.authenticatePassword(username, app.secret), undefined, JSON.stringify(username));
    assert.equal((await service.authenticatePassword('ALICE', app.secret))?.userId, alice.userId);
  });

  it('issues scoped personal tokens that expire and can be revoked', async () => {
    const alice = await service.register('alice', 'correct horse');
    const token = await service.createPersonalToken(alice.userId, 'script', ['user.subscriptions.read'], null);
    const principal = await service.authenticateSecret(token.secret);
    assert.deepEqual(principal?.scopes, ['user.subscriptions.read']);
    assert.equal(principal?.via, 'personal_token');
    await assert.rejects(service.createPersonalToken(alice.userId, 'x', ['user.everything'], null), rejectsWith('invalid_scope'));
    await assert.rejects(service.createPersonalToken(alice.userId, 'x', ['*'], new Date(Date.now() - 1000)), rejectsWith('invalid_expiry'));
    const shortLived = await service.createPersonalToken(alice.userId, 'short', ['*'], new Date(Date.now() + 3_600_000));
    assert.ok(await service.authenticateSecret(shortLived.secret));
    // Let the hour pass: move the expiry into the past rather than wait.
    await current().db.query(`UPDATE account_credentials SET expires_at = now() - interval '1 second' WHERE credential_id = $1`, [shortLived.id]);
    assert.equal(await service.authenticateSecret(shortLived.secret), undefined, 'expired');
    const tampered = `${token.secret.slice(0, -1)}${token.secret.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(await service.authenticateSecret(tampered), undefined);
    assert.equal(await service.authenticateSecret('not-a-token'), undefined);
  });

  it('locks a disabled account out of every credential, and lets it back in when enabled', async () => {
    const alice = await service.register('alice', 'correct horse');
    const app = await service.createAppPassword(alice.userId, 'phone');
    await service.authenticatePassword('alice', 'correct horse');
    await service.disable(alice.userId, 'asked to');
    assert.equal(await service.authenticatePassword('alice', 'correct horse'), undefined);
    assert.equal(await service.authenticateSecret(app.secret), undefined);
    await service.enable(alice.userId);
    assert.ok(await service.authenticatePassword('alice', 'correct horse'));
    assert.ok(await service.authenticateSecret(app.secret));
  });
});
