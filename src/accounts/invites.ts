import { randomUUID } from 'node:crypto';
import { CommandHandler } from '../domain/command-handler.js';
import { DomainError, type Decider } from '../domain/decider.js';
import type { EventStore } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import { newSecret, secretHash } from './secrets.js';

/**
 * Invitations, for instances with REGISTRATION=invite: an administrator creates a single-use
 * code (shown once, stored hashed), valid for a few days; registering with it uses it up.
 * All invitations live in one stream, `invites`, so redeeming a code twice at once conflicts.
 */
export const INVITE_LIFETIME_MS = 7 * 86_400_000;
export const INVITES_STREAM = 'invites';

export type InviteEvent =
  | { type: 'InviteCreated'; data: { inviteId: string; codeHash: string; createdBy: string; expiresAt: string } }
  | { type: 'InviteRedeemed'; data: { inviteId: string; userId: string } };

export type InviteCommand =
  | { kind: 'create'; inviteId: string; codeHash: string; createdBy: string; expiresAt: string }
  | { kind: 'redeem'; codeHash: string; userId: string; now: string };

type InviteState = Map<string, { codeHash: string; expiresAt: string; redeemed: boolean }>;

export const inviteDecider: Decider<InviteCommand, InviteEvent, InviteState> = {
  initialState: () => new Map(),
  evolve(state, event) {
    const next = new Map(state);
    if (event.type === 'InviteCreated') next.set(event.data.inviteId, { codeHash: event.data.codeHash, expiresAt: event.data.expiresAt, redeemed: false });
    else {
      const invite = next.get(event.data.inviteId);
      if (invite) next.set(event.data.inviteId, { ...invite, redeemed: true });
    }
    return next;
  },
  decide(command, state) {
    if (command.kind === 'create') {
      const { inviteId, codeHash, createdBy, expiresAt } = command;
      return [{ type: 'InviteCreated', data: { inviteId, codeHash, createdBy, expiresAt } }];
    }
    const found = [...state].find(([, invite]) => invite.codeHash === command.codeHash);
    if (!found || found[1].redeemed || found[1].expiresAt <= command.now) {
      throw new DomainError('invalid_invite', 'This invitation code is not valid (unknown, used or expired)', 403);
    }
    return [{ type: 'InviteRedeemed', data: { inviteId: found[0], userId: command.userId } }];
  },
};

export class InviteService {
  private readonly handler: CommandHandler<InviteCommand, InviteEvent, InviteState>;

  constructor(store: EventStore) {
    this.handler = new CommandHandler(store, inviteDecider);
  }

  async create(createdBy: string, now = new Date()): Promise<{ id: string; code: string; expiresAt: Date }> {
    const code = newSecret('invite');
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + INVITE_LIFETIME_MS);
    await this.handler.handle(INVITES_STREAM, { kind: 'create', inviteId: id, codeHash: secretHash(code), createdBy, expiresAt: expiresAt.toISOString() }, { maxAttempts: 5 });
    // No userId in the metadata: the stream is the instance's, not the administrator's (erasing them must keep it).
    return { id, code, expiresAt };
  }

  /** Uses up a code inside the registration's transaction: both happen, or neither. */
  async redeem(tx: Sql, code: string, userId: string): Promise<void> {
    await this.handler.handle(INVITES_STREAM, { kind: 'redeem', codeHash: secretHash(code), userId, now: new Date().toISOString() }, { tx });
  }
}
