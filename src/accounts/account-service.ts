import { randomUUID } from 'node:crypto';
import { CommandHandler } from '../domain/command-handler.js';
import { DomainError } from '../domain/decider.js';
import type { EventStore } from '../store/event-store.js';
import { ConcurrencyError, type EventMetadata } from '../store/events.js';
import { pgErrorCode, PgErrorCode, type Sql } from '../store/sql.js';
import { accountDecider, type AccountCommand, type AccountState } from './account-decider.js';
import { CredentialCache } from './credential-cache.js';
import { accountStream, type AccountEvent } from './events.js';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import { PrincipalCache } from './principal-cache.js';
import { isScope } from './scopes.js';
import { newSecret, secretHash, secretKind } from './secrets.js';
import { InviteService, INVITES_STREAM } from './invites.js';
import { SessionStore } from './sessions.js';
import { Throttle, TooManyAttemptsError, type LoginRules } from './throttle.js';
import { usernameKey, usernameProblem } from './username.js';

export type RegistrationMode = 'open' | 'closed' | 'invite';

/** A credential check's answer: who, and until when the credential itself is valid. */
interface Found {
  principal: Principal;
  expiresAt?: Date | null;
}

export interface Account {
  userId: string;
  username: string;
  admin: boolean;
  disabled: boolean;
  registeredAt: Date;
}

export interface CredentialInfo {
  id: string;
  kind: 'app_password' | 'personal_token';
  label: string;
  deviceId: string | null;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
}

interface AccountRow {
  user_id: string;
  username: string;
  password_hash: string;
  is_admin: boolean;
  disabled: boolean;
  registered_at: Date;
}

const INSTANCE_STREAM = 'instance';
export const MAX_LABEL_LENGTH = 100;

function toAccount(row: AccountRow): Account {
  return { userId: row.user_id, username: row.username, admin: row.is_admin, disabled: row.disabled, registeredAt: row.registered_at };
}

function label(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_LABEL_LENGTH) {
    throw new DomainError('invalid_label', `A label has 1 to ${MAX_LABEL_LENGTH} characters`, 400);
  }
  return trimmed;
}

/**
 * Accounts and credentials: the commands (through the account decider) and the lookups that
 * authenticate a request. Slow work (password hashing) happens here, outside the decider.
 */
export class AccountService {
  private readonly handler: CommandHandler<AccountCommand, AccountEvent, AccountState>;
  readonly cache = new CredentialCache();
  /** Who recently presented credentials stood for (see principal-cache.ts); idle until `watchCredentials`. */
  readonly principals = new PrincipalCache();
  readonly sessions: SessionStore;
  readonly throttle: Throttle;
  readonly invites: InviteService;

  constructor(
    private readonly store: EventStore,
    private readonly options: { registration: RegistrationMode; loginRules?: LoginRules; cacheCredentials?: boolean },
  ) {
    this.handler = new CommandHandler(store, accountDecider);
    this.sessions = new SessionStore(store.db);
    this.throttle = new Throttle(store.db, options.loginRules);
    this.invites = new InviteService(store);
  }

  get db(): Sql {
    return this.store.db;
  }

  private async command(userId: string, command: AccountCommand, metadata: EventMetadata = {}, tx?: Sql): Promise<void> {
    await this.handler.handle(accountStream(userId), command, { metadata: { userId, ...metadata }, ...(tx ? { tx } : {}) });
    // Other processes hear of it through the projector's NOTIFY; this one must not wait for
    // its own notification to come back (the next request may already be here).
    this.principals.forgetUser(userId);
  }

  /** Registers an account; the first one of an instance becomes its administrator. */
  async register(
    username: string,
    password: string,
    options: { admin?: boolean; bypassRegistrationMode?: boolean; inviteCode?: string } = {},
  ): Promise<Account> {
    const problem = usernameProblem(username) ?? passwordProblem(password);
    if (problem) throw new DomainError('invalid_account', problem, 400);
    const passwordHash = await hashPassword(password);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await this.store.db.transaction(async (tx) => {
          // Whether the instance has accounts, and the version of its claim, from one snapshot: read
          // apart, a first registration committing in between could be missed by the first read and
          // counted by the second, and both registrations would become administrators.
          const instance = await tx.query<{ empty: boolean; version: number }>(
            'SELECT NOT EXISTS (SELECT 1 FROM accounts) AS empty, COALESCE((SELECT version FROM streams WHERE stream_id = $1), 0) AS version',
            [INSTANCE_STREAM],
          );
          const first = instance.rows[0]!.empty;
          const userId = randomUUID();
          const mode = first || options.bypassRegistrationMode ? 'open' : this.options.registration;
          if (mode === 'closed') {
            throw new DomainError('registration_closed', 'Registration is closed on this instance: ask its administrator for an account', 403);
          }
          if (mode === 'invite') {
            if (!options.inviteCode) throw new DomainError('invite_required', 'This instance registers people by invitation: an invitation code is needed', 403);
            await this.invites.redeem(tx, options.inviteCode, userId);
          }
          if (first) {
            // Claims the instance: of two simultaneous first registrations, one conflicts here.
            // With the version read above (not "no stream"): an instance whose accounts were all
            // erased keeps its stream, and its next first account must still get through.
            await this.store.appendToStream(INSTANCE_STREAM, [{ type: 'InstanceClaimed', data: { adminUserId: userId } }], {
              expectedVersion: Number(instance.rows[0]!.version),
              tx,
            });
          }
          await this.command(userId, { kind: 'register', userId, username, passwordHash, admin: first || options.admin === true }, {}, tx);
          return { userId, username, admin: first || options.admin === true, disabled: false, registeredAt: new Date() };
        });
      } catch (error) {
        if (error instanceof ConcurrencyError && (error.streamId === INSTANCE_STREAM || error.streamId === INVITES_STREAM)) continue;
        if (pgErrorCode(error) === PgErrorCode.uniqueViolation && String((error as { constraint?: string }).constraint).includes('username')) {
          throw new DomainError('username_taken', 'This username is taken', 409);
        }
        throw error;
      }
    }
    throw new Error('registration kept conflicting');
  }

  async findByUsername(username: string): Promise<(Account & { passwordHash: string }) | undefined> {
    const result = await this.db.query<AccountRow>(
      'SELECT user_id, username, password_hash, is_admin, disabled, registered_at FROM accounts WHERE username_key = $1',
      [usernameKey(username)],
      { name: 'balados_account_by_username' },
    );
    const row = result.rows[0];
    return row ? { ...toAccount(row), passwordHash: row.password_hash } : undefined;
  }

  async findById(userId: string): Promise<Account | undefined> {
    const result = await this.db.query<AccountRow>(
      'SELECT user_id, username, password_hash, is_admin, disabled, registered_at FROM accounts WHERE user_id = $1',
      [userId],
    );
    return result.rows[0] ? toAccount(result.rows[0]) : undefined;
  }

  async list(): Promise<Account[]> {
    const result = await this.db.query<AccountRow>('SELECT user_id, username, password_hash, is_admin, disabled, registered_at FROM accounts ORDER BY username_key');
    return result.rows.map(toAccount);
  }

  /**
   * Checks a username and password (or an app password given as the password, as legacy
   * clients do). Unknown users cost as much as wrong passwords, so timing tells nothing.
   */
  async authenticatePassword(username: string, password: string, client?: { address: string }): Promise<Principal | undefined> {
    return this.cached('basic', username, password, () => this.checkPassword(username, password, client));
  }

  /**
   * Resolves an app password or personal access token; with `username` (HTTP Basic), only if
   * it belongs to that account.
   */
  async authenticateSecret(secret: string, username?: string): Promise<Principal | undefined> {
    return this.cached('secret', username ?? '', secret, () => this.lookupSecret(secret, username));
  }

  /** Serves apps that present credentials with every request without a database round trip. */
  async watchCredentials(): Promise<void> {
    if (this.options.cacheCredentials !== false) await this.principals.watch(this.store.db);
  }

  async stopWatchingCredentials(): Promise<void> {
    await this.principals.stop();
  }

  private async cached(kind: string, username: string, secret: string, check: () => Promise<Found | undefined>): Promise<Principal | undefined> {
    const key = this.principals.keyOf(kind, username, secret);
    const known = this.principals.get(key);
    if (known) return known;
    const began = this.principals.begin();
    const found = await check();
    if (!found) return undefined;
    this.principals.remember(key, found.principal, began, found.expiresAt);
    return found.principal;
  }

  private async checkPassword(username: string, password: string, client?: { address: string }): Promise<Found | undefined> {
    // A name that cannot exist is not looked up (nor used as a key: it may hold a NUL byte).
    const plausible = usernameProblem(username) === undefined;
    if (secretKind(password) === 'app_password') {
      // 256 random bits cannot be guessed: no throttling needed, and no KDF to protect.
      return plausible ? this.lookupSecret(password, username) : undefined;
    }
    // Such a name costs the same time as any other, and counts against the address like any failure.
    const account = plausible ? await this.findByUsername(username) : undefined;
    // Credentials verified a moment ago skip both the KDF and the throttle: a legacy client
    // sending Basic on every request must not be slowed down or locked out.
    const known = account !== undefined && this.options.cacheCredentials !== false && this.cache.has(account.userId, account.passwordHash, password);
    if (!known) {
      const attempt = await this.throttle.beginLogin(plausible ? username : null, client?.address);
      if (!attempt.allowed) throw new TooManyAttemptsError(attempt.retryAfterSeconds);
      const valid = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
      if (!account || !valid) return undefined;
      await this.throttle.loginSucceeded(attempt.keys);
      this.cache.remember(account.userId, account.passwordHash, password);
    }
    if (account.disabled) return undefined;
    return { principal: { userId: account.userId, username: account.username, admin: account.admin, via: 'password', scopes: ['*'], credentialId: null, deviceId: null } };
  }

  private async lookupSecret(secret: string, username?: string): Promise<Found | undefined> {
    const kind = secretKind(secret);
    if (kind !== 'app_password' && kind !== 'personal_token') return undefined;
    const result = await this.db.query<{
      credential_id: string;
      kind: 'app_password' | 'personal_token';
      device_id: string | null;
      scopes: string[];
      user_id: string;
      username: string;
      is_admin: boolean;
      expires_at: Date | null;
    }>(
      `SELECT c.credential_id, c.kind, c.device_id, c.scopes, a.user_id, a.username, a.is_admin, c.expires_at
       FROM account_credentials c JOIN accounts a ON a.user_id = c.user_id
       WHERE c.secret_hash = $1 AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()) AND NOT a.disabled
         AND ($2::text IS NULL OR a.username_key = $2)`,
      [secretHash(secret), username === undefined ? null : usernameKey(username)],
      { name: 'balados_credential_by_secret' },
    );
    const row = result.rows[0];
    if (!row || row.kind !== kind) return undefined;
    const principal: Principal = {
      userId: row.user_id,
      username: row.username,
      admin: row.is_admin,
      via: row.kind,
      scopes: row.kind === 'app_password' ? ['*'] : row.scopes,
      credentialId: row.credential_id,
      deviceId: row.device_id,
    };
    return { principal, expiresAt: row.expires_at };
  }

  /** Changes the password and ends the account's other web sessions (`keepSession`: the one asking). */
  async changePassword(userId: string, current: string, next: string, keepSession?: string): Promise<void> {
    await this.confirmPassword(userId, current);
    await this.setPassword(userId, next, keepSession);
  }

  /** For grave actions (password change, erasure): the account password, typed again, throttled like a login. */
  async confirmPassword(userId: string, password: string): Promise<void> {
    const account = await this.findById(userId);
    const stored = account ? await this.findByUsername(account.username) : undefined;
    const attempt = await this.throttle.beginLogin(stored?.username ?? null, undefined);
    if (!attempt.allowed) throw new TooManyAttemptsError(attempt.retryAfterSeconds);
    if (!stored || !(await verifyPassword(password, stored.passwordHash))) {
      throw new DomainError('wrong_password', 'The current password is not right', 403);
    }
    await this.throttle.loginSucceeded(attempt.keys);
  }

  /** Sets a password without the old one (administrators, the CLI). */
  async setPassword(userId: string, password: string, keepSession?: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new DomainError('invalid_password', problem, 400);
    await this.command(userId, { kind: 'changePassword', passwordHash: await hashPassword(password) });
    await this.sessions.destroyAll(userId, keepSession);
  }

  async disable(userId: string, reason: string | null = null): Promise<void> {
    await this.command(userId, { kind: 'disable', reason });
    await this.sessions.destroyAll(userId);
  }

  async enable(userId: string): Promise<void> {
    await this.command(userId, { kind: 'enable' });
  }

  async createAppPassword(userId: string, text: string, deviceId: string | null = null): Promise<{ id: string; secret: string }> {
    const secret = newSecret('app_password');
    const id = randomUUID();
    await this.command(userId, { kind: 'createAppPassword', credentialId: id, label: label(text), deviceId, secretHash: secretHash(secret) });
    return { id, secret };
  }

  async createPersonalToken(userId: string, text: string, scopes: readonly string[], expiresAt: Date | null): Promise<{ id: string; secret: string }> {
    const unknown = scopes.filter((scope) => !isScope(scope));
    if (scopes.length === 0 || unknown.length > 0) {
      throw new DomainError('invalid_scope', unknown.length > 0 ? `Unknown scopes: ${unknown.join(', ')}` : 'A token needs at least one scope', 400);
    }
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw new DomainError('invalid_expiry', 'The expiry date is in the past', 400);
    const secret = newSecret('personal_token');
    const id = randomUUID();
    await this.command(userId, {
      kind: 'createPersonalToken',
      credentialId: id,
      label: label(text),
      scopes: [...new Set(scopes)],
      secretHash: secretHash(secret),
      expiresAt: expiresAt?.toISOString() ?? null,
    });
    return { id, secret };
  }

  /** A play token: shown once, it can only read the account's personal feeds and record plays (play-tokens.ts). */
  async createPlayToken(userId: string, text: string): Promise<{ id: string; secret: string }> {
    const secret = newSecret('play_token');
    const id = randomUUID();
    await this.command(userId, { kind: 'createPlayToken', credentialId: id, label: label(text), secretHash: secretHash(secret) });
    return { id, secret };
  }

  async revokeCredential(userId: string, credentialId: string): Promise<void> {
    await this.command(userId, { kind: 'revokeCredential', credentialId });
  }

  async listCredentials(userId: string): Promise<CredentialInfo[]> {
    const result = await this.db.query<{
      credential_id: string;
      kind: 'app_password' | 'personal_token';
      label: string;
      device_id: string | null;
      scopes: string[];
      created_at: Date;
      expires_at: Date | null;
    }>(
      `SELECT credential_id, kind, label, device_id, scopes, created_at, expires_at FROM account_credentials
       WHERE user_id = $1 AND revoked_at IS NULL AND kind <> 'play_token' ORDER BY created_at, credential_id`,
      [userId],
    );
    return result.rows.map((row) => ({
      id: row.credential_id,
      kind: row.kind,
      label: row.label,
      deviceId: row.device_id,
      scopes: row.scopes,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }));
  }
}
